//! Rubric matching, explainable first. A question's rubric lists *key points* (each for one
//! competency dimension, with the phrasings clerks expect — synonyms included) and *level
//! examples* (typical answers at levels 1–5). An answer is scored per dimension:
//!
//! 1. **Key points**: every phrasing is looked for in every transcript segment (and across the
//!    cut between two neighbouring segments) with a fuzzy match that tolerates recognition
//!    errors — characters, bigrams and pinyin sound for Chinese, word stems with
//!    character-trigram similarity for English. A key point is *covered* when its best match
//!    reaches `match_threshold`; the covered share of the dimension's key-point weight maps to a
//!    level through `coverage_levels` (e.g. 0.2 / 0.4 / 0.6 / 0.8 → levels 2 / 3 / 4 / 5).
//! 2. **Level examples**: the whole answer is compared with each level's examples (the share of
//!    an example's n-grams the answer contains); the best-matching level, when its similarity
//!    reaches `example_min`, is a second signal.
//! 3. The level is `key_point_weight × key-point level + example_weight × example level` (or the
//!    key-point level alone when no example is close enough), rounded to one decimal.
//!
//! [`generic_phrasings`] matches a rubric against sentences unrelated to any question, to point
//! out phrasings that would be "found" in almost any answer.
//!
//! Every number comes with its evidence: which phrasing matched which stretch of which segment
//! (with its time in the recording), and which example was closest. All weights and thresholds
//! are per rubric (`tuning`), so HR can tune them per job and try them with `interview-kiosk eval`.

use interview::Lang;
use serde::{Deserialize, Serialize};

use crate::whisper::Segment;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub key_points: Vec<KeyPoint>,
    #[serde(default)]
    pub levels: Vec<LevelExample>,
    #[serde(default)]
    pub tuning: Tuning,
    /// How many follow-up questions the kiosk may ask after an answer (0 to
    /// [`interview::follow_up::MAX_FOLLOW_UPS`]): the clerk's setting for the question.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub follow_ups: u8,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPoint {
    pub id: String,
    pub dimension: String,
    /// The point as the clerk states it; also a phrasing to look for.
    pub text: String,
    /// Other ways a candidate may say it.
    #[serde(default)]
    pub synonyms: Vec<String>,
    #[serde(default = "one")]
    pub weight: f32,
    /// The question asked when an answer leaves this point out (both languages; the kiosk asks
    /// it in the job's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<interview::Localized>,
}

fn one() -> f32 {
    1.0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelExample {
    pub level: u8,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub examples: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tuning {
    pub match_threshold: f32,
    pub coverage_levels: [f32; 4],
    pub key_point_weight: f32,
    pub example_weight: f32,
    pub example_min: f32,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            match_threshold: 0.6,
            coverage_levels: [0.2, 0.4, 0.6, 0.8],
            key_point_weight: 0.75,
            example_weight: 0.25,
            example_min: 0.3,
        }
    }
}

/// Why a rubric is refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RubricError {
    #[error("rubric JSON: {0}")]
    Json(String),
    #[error("key point {0:?} has no text")]
    EmptyKeyPoint(String),
    #[error("level {0} is outside 1–5")]
    Level(u8),
    #[error("tuning values are out of range")]
    Tuning,
    #[error("follow-ups: {0}")]
    FollowUp(String),
}

impl interview::UserFacing for RubricError {
    fn code(&self) -> &'static str {
        "scoring.rubric"
    }

    fn user_message(&self) -> interview::Localized {
        let (zh, en) = match self {
            RubricError::Json(_) => ("格式不是有效的评分标准 JSON", "it is not valid rubric JSON"),
            RubricError::EmptyKeyPoint(_) => {
                ("有要点没有内容或权重不为正", "a key point has no text or a weight that is not positive")
            }
            RubricError::Level(_) => ("等级必须在 1 到 5 之间", "levels must be between 1 and 5"),
            RubricError::Tuning => ("调节参数超出范围", "a tuning value is out of range"),
            RubricError::FollowUp(_) => (
                "追问最多 2 个，每个追问都要写中文和英文",
                "at most 2 follow-ups, and each follow-up needs its Chinese and its English text",
            ),
        };
        interview::Localized::new(format!("评分标准有误：{zh}。"), format!("The rubric is invalid: {en}."))
    }
}

impl Rubric {
    pub fn parse(json: &str) -> Result<Rubric, RubricError> {
        let rubric: Rubric = serde_json::from_str(json).map_err(|e| RubricError::Json(e.to_string()))?;
        for kp in &rubric.key_points {
            if kp.text.trim().is_empty() || kp.weight <= 0.0 {
                return Err(RubricError::EmptyKeyPoint(kp.id.clone()));
            }
            if let Some(f) = &kp.follow_up
                && (f.zh_cn.trim().is_empty() || f.en.trim().is_empty() || f.zh_cn.len() > 2000 || f.en.len() > 2000)
            {
                return Err(RubricError::FollowUp(format!("key point {:?}", kp.id)));
            }
        }
        if rubric.follow_ups > interview::follow_up::MAX_FOLLOW_UPS {
            return Err(RubricError::FollowUp(format!("{} allowed", rubric.follow_ups)));
        }
        if let Some(bad) = rubric.levels.iter().find(|l| !(1..=5).contains(&l.level)) {
            return Err(RubricError::Level(bad.level));
        }
        let t = &rubric.tuning;
        let unit = |v: f32| (0.0..=1.0).contains(&v);
        if !(unit(t.match_threshold)
            && unit(t.example_min)
            && t.coverage_levels.iter().all(|&v| unit(v))
            && t.coverage_levels.windows(2).all(|w| w[0] <= w[1])
            && t.key_point_weight >= 0.0
            && t.example_weight >= 0.0
            && t.key_point_weight + t.example_weight > 0.0)
        {
            return Err(RubricError::Tuning);
        }
        Ok(rubric)
    }

    /// The dimensions this rubric scores, in first-mention order.
    pub fn dimensions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for kp in &self.key_points {
            if !out.contains(&kp.dimension.as_str()) {
                out.push(&kp.dimension);
            }
        }
        out
    }
}

/// Where a key point was found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    pub key_point: String,
    /// The key point as the clerk stated it.
    pub point: String,
    /// The phrasing (key point text or synonym) that matched best.
    pub phrasing: String,
    /// The stretch of the transcript it matched.
    pub quote: String,
    pub start_ms: u32,
    pub end_ms: u32,
    pub similarity: f32,
    pub covered: bool,
    /// Recognition was unsure of the segment(s) quoted (`whisper::Confidence::is_low`): the
    /// words may not be what the candidate said. Marked wherever the quote is shown.
    pub uncertain: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExampleMatch {
    pub level: u8,
    pub example: String,
    pub similarity: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DimensionScore {
    pub dimension: String,
    /// 1.0–5.0, one decimal.
    pub level: f32,
    pub coverage: f32,
    pub key_point_level: u8,
    pub closest_example: Option<ExampleMatch>,
    /// One entry per key point of the dimension, covered or not (so a reviewer sees what was
    /// missing too).
    pub evidence: Vec<Evidence>,
}

/// Scores one answer's transcript against its rubric.
pub fn score(rubric: &Rubric, segments: &[Segment], language: Lang) -> Vec<DimensionScore> {
    score_with_follow_ups(rubric, segments, &[], language)
}

/// What to ask after an answer: the key points its transcript leaves out (highest weight first,
/// then the rubric's order) and, of those that carry a follow-up, as many as the rubric allows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FollowUpChoice {
    pub missing: Vec<String>,
    pub asks: Vec<String>,
}

impl FollowUpChoice {
    pub fn outcome(&self) -> interview::follow_up::FollowUpOutcome {
        use interview::follow_up::FollowUpOutcome;
        match (self.asks.is_empty(), self.missing.is_empty()) {
            (false, _) => FollowUpOutcome::Asked,
            (true, true) => FollowUpOutcome::Covered,
            (true, false) => FollowUpOutcome::NoFollowUp,
        }
    }
}

/// The one rule for follow-ups (the kiosk's live decision and its offline reproduction).
pub fn follow_up_choice(rubric: &Rubric, segments: &[Segment], language: Lang) -> FollowUpChoice {
    let t = &rubric.tuning;
    let mut missing: Vec<&KeyPoint> =
        rubric.key_points.iter().filter(|kp| !best_match(kp, segments, language, t.match_threshold).covered).collect();
    // A stable sort: equal weights keep the rubric's order.
    missing.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let asks = missing
        .iter()
        .filter(|kp| kp.follow_up.is_some())
        .take(usize::from(rubric.follow_ups))
        .map(|kp| kp.id.clone())
        .collect();
    FollowUpChoice { missing: missing.into_iter().map(|kp| kp.id.clone()).collect(), asks }
}

impl Rubric {
    /// The key point `id`, if the rubric has it.
    pub fn key_point(&self, id: &str) -> Option<&KeyPoint> {
        self.key_points.iter().find(|kp| kp.id == id)
    }
}

/// Scores an answer whose recording also holds follow-ups: `follow_ups` pairs each asked key
/// point with the transcript of its follow-up's recording. A follow-up's words count for the
/// key point it asked about and nothing else (candidates who were not asked cannot earn other
/// points from it); the level examples compare the answer itself.
pub fn score_with_follow_ups(
    rubric: &Rubric,
    segments: &[Segment],
    follow_ups: &[(String, Vec<Segment>)],
    language: Lang,
) -> Vec<DimensionScore> {
    let t = &rubric.tuning;
    let best = |kp: &KeyPoint| {
        let mut e = best_match(kp, segments, language, t.match_threshold);
        for (_, part) in follow_ups.iter().filter(|(id, _)| *id == kp.id) {
            let f = best_match(kp, part, language, t.match_threshold);
            if f.similarity > e.similarity {
                e = f;
            }
        }
        e
    };
    rubric
        .dimensions()
        .into_iter()
        .map(|dimension| {
            let points: Vec<&KeyPoint> = rubric.key_points.iter().filter(|kp| kp.dimension == dimension).collect();
            let total_weight: f32 = points.iter().map(|kp| kp.weight).sum();
            let evidence: Vec<Evidence> = points.iter().map(|kp| best(kp)).collect();
            let covered: f32 = points.iter().zip(&evidence).filter(|(_, e)| e.covered).map(|(kp, _)| kp.weight).sum();
            // (`+ 0.0` turns the -0.0 an empty float sum starts from into 0.0.)
            let coverage = if total_weight > 0.0 { covered / total_weight + 0.0 } else { 0.0 };
            let key_point_level = 1 + t.coverage_levels.iter().filter(|&&c| coverage >= c).count() as u8;
            let answer: String = segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
            let closest_example = rubric
                .levels
                .iter()
                .flat_map(|l| l.examples.iter().map(move |e| (l.level, e)))
                .map(|(level, example)| ExampleMatch {
                    level,
                    example: example.clone(),
                    similarity: containment(example, &answer, language),
                })
                .filter(|m| m.similarity >= t.example_min)
                .max_by(|a, b| a.similarity.total_cmp(&b.similarity).then(b.level.cmp(&a.level)));
            let level = match &closest_example {
                Some(m) => {
                    (t.key_point_weight * f32::from(key_point_level) + t.example_weight * f32::from(m.level))
                        / (t.key_point_weight + t.example_weight)
                }
                None => f32::from(key_point_level),
            };
            DimensionScore {
                dimension: dimension.to_owned(),
                level: (level * 10.0).round() / 10.0,
                coverage,
                key_point_level,
                closest_example,
                evidence,
            }
        })
        .collect()
}

fn best_match(kp: &KeyPoint, segments: &[Segment], language: Lang, threshold: f32) -> Evidence {
    let mut best = Evidence {
        key_point: kp.id.clone(),
        point: kp.text.clone(),
        phrasing: kp.text.clone(),
        quote: String::new(),
        start_ms: 0,
        end_ms: 0,
        similarity: 0.0,
        covered: false,
        uncertain: false,
    };
    for phrasing in std::iter::once(&kp.text).chain(&kp.synonyms) {
        for (i, segment) in segments.iter().enumerate() {
            let low = |s: &Segment| s.confidence.is_some_and(|c| c.is_low());
            let mut found =
                vec![(find(phrasing, &segment.text, language), segment.start_ms, segment.end_ms, low(segment))];
            // Recognisers cut segments where they like, sometimes inside a phrase (安抚他, | 的情绪):
            // a window across the boundary with the next segment counts too, timed over both.
            if let Some(next) = segments.get(i + 1) {
                let boundary = units(&segment.text, language);
                let joined = find(phrasing, &format!("{} {}", segment.text, next.text), language);
                if joined.start < boundary && joined.end > boundary {
                    found.push((joined, segment.start_ms, next.end_ms, low(segment) || low(next)));
                }
            }
            for (m, start_ms, end_ms, uncertain) in found {
                if m.similarity > best.similarity {
                    best = Evidence {
                        key_point: kp.id.clone(),
                        point: kp.text.clone(),
                        phrasing: phrasing.clone(),
                        quote: m.quote,
                        start_ms,
                        end_ms,
                        similarity: m.similarity,
                        covered: m.similarity >= threshold,
                        uncertain,
                    };
                }
            }
        }
    }
    best
}

/// The best window of a text for a phrasing: its similarity, its words, and where it lies in
/// the text's matching units (characters for Chinese, words for English).
pub(crate) struct Match {
    pub(crate) similarity: f32,
    pub(crate) quote: String,
    start: usize,
    end: usize,
}

pub(crate) fn find(phrasing: &str, text: &str, language: Lang) -> Match {
    match language {
        Lang::ZhCn => match_chinese(phrasing, text),
        Lang::En => match_english(phrasing, text),
    }
}

/// How many matching units `text` has.
fn units(text: &str, language: Lang) -> usize {
    match language {
        Lang::ZhCn => chinese_chars(text).len(),
        Lang::En => english_words(text).len(),
    }
}

/// A phrasing that ordinary text, unrelated to any interview question, also matches: too generic
/// to be evidence of anything (a two-character phrase, a word every answer uses).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GenericPhrasing {
    pub key_point: String,
    /// The key point as the clerk stated it.
    pub point: String,
    pub phrasing: String,
    /// How many of the unrelated sentences it matched, of how many.
    pub matched: usize,
    pub sentences: usize,
    /// The first stretch of unrelated text it matched.
    pub example: String,
}

/// Sentences unrelated to any question's key points (answers to other questions, everyday talk),
/// written for this project.
pub fn unrelated_sentences(language: Lang) -> impl Iterator<Item = &'static str> {
    let text = match language {
        Lang::ZhCn => include_str!("unrelated/zh.txt"),
        Lang::En => include_str!("unrelated/en.txt"),
    };
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The phrasings of `rubric` that unrelated sentences match at its `match_threshold` — what a
/// rubric author should make longer or more specific. `interview-kiosk eval` lists them.
pub fn generic_phrasings(rubric: &Rubric, language: Lang) -> Vec<GenericPhrasing> {
    let sentences: Vec<&str> = unrelated_sentences(language).collect();
    let mut out = Vec::new();
    for kp in &rubric.key_points {
        for phrasing in std::iter::once(&kp.text).chain(&kp.synonyms) {
            let hits: Vec<String> = sentences
                .iter()
                .map(|s| find(phrasing, s, language))
                .filter(|m| m.similarity >= rubric.tuning.match_threshold)
                .map(|m| m.quote)
                .collect();
            if let Some(example) = hits.first() {
                out.push(GenericPhrasing {
                    key_point: kp.id.clone(),
                    point: kp.text.clone(),
                    phrasing: phrasing.clone(),
                    matched: hits.len(),
                    sentences: sentences.len(),
                    example: example.clone(),
                });
            }
        }
    }
    out
}

/// Chinese text reduced to what matching looks at: CJK characters, letters and digits.
fn chinese_chars(text: &str) -> Vec<char> {
    crate::chinese::to_simplified(text).chars().filter(|c| c.is_alphanumeric()).collect()
}

fn bigrams(chars: &[char]) -> Vec<(char, char)> {
    if chars.len() == 1 {
        return vec![(chars[0], '\0')];
    }
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

fn dice<T: PartialEq + Clone>(a: &[T], b: &[T]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut pool = b.to_vec();
    let mut common = 0;
    for x in a {
        if let Some(i) = pool.iter().position(|y| y == x) {
            pool.swap_remove(i);
            common += 1;
        }
    }
    2.0 * common as f32 / (a.len() + b.len()) as f32
}

/// The best bigram-Dice similarity between `phrase` and any window of `text` about its length,
/// and that window.
fn match_chinese(phrase: &str, text: &str) -> Match {
    let p = chinese_chars(phrase);
    let t = chinese_chars(text);
    let mut best = Match { similarity: 0.0, quote: String::new(), start: 0, end: 0 };
    if p.is_empty() || t.is_empty() {
        return best;
    }
    let pb = bigrams(&p);
    let ps: Vec<String> = p.iter().copied().map(crate::chinese::sound).collect();
    let ts: Vec<String> = t.iter().copied().map(crate::chinese::sound).collect();
    for width in [p.len().saturating_sub(1).max(1), p.len(), p.len() + 1, p.len() + 2] {
        if width > t.len() {
            continue;
        }
        for start in 0..=t.len() - width {
            let window = &t[start..start + width];
            // Bigrams reward shared word pieces; the edit distance forgives one wrong character
            // (a homophone) that breaks two bigrams.
            // …and the sound forgives a wrong character for the right syllable.
            let s = dice(&pb, &bigrams(window))
                .max(edit_similarity(&p, window))
                .max(crate::chinese::sound_similarity(&ps, &ts[start..start + width]));
            if s > best.similarity {
                best = Match { similarity: s, quote: window.iter().collect(), start, end: start + width };
            }
        }
    }
    if best.similarity == 0.0 && t.len() < p.len() {
        best = Match { similarity: dice(&pb, &bigrams(&t)), quote: t.iter().collect(), start: 0, end: t.len() };
    }
    best
}

/// `1 - levenshtein(a, b) / len(a)`, floored at 0.
fn edit_similarity(a: &[char], b: &[char]) -> f32 {
    (1.0 - crate::eval::edit_distance(a, b) as f32 / a.len().max(1) as f32).max(0.0)
}

/// Function words and pronouns: "hear *them* out" must not match "fry *them* over a high heat".
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "to", "of", "and", "or", "in", "on", "at", "for", "with", "by", "is", "are", "be", "i", "would",
    "will", "it", "me", "my", "you", "your", "he", "him", "his", "she", "her", "we", "us", "our", "they", "them",
    "their", "this", "that",
];

fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// A light stem: enough that "listens", "listened" and "listening" meet.
fn stem(word: &str) -> &str {
    for suffix in ["ing", "ed", "es", "s", "ly"] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 3
        {
            return base;
        }
    }
    word
}

fn trigrams(word: &str) -> Vec<String> {
    let padded: Vec<char> = format!("  {word} ").chars().collect();
    padded.windows(3).map(|w| w.iter().collect()).collect()
}

fn word_similarity(a: &str, b: &str) -> f32 {
    if stem(a) == stem(b) { 1.0 } else { dice(&trigrams(a), &trigrams(b)) }
}

/// For each content word of `phrase`, its best match in a window of `text`; the mean over the
/// phrase's words, maximised over windows.
fn match_english(phrase: &str, text: &str) -> Match {
    let p: Vec<String> = english_words(phrase).into_iter().filter(|w| !STOP_WORDS.contains(&w.as_str())).collect();
    let t = english_words(text);
    let mut best = Match { similarity: 0.0, quote: String::new(), start: 0, end: 0 };
    if p.is_empty() || t.is_empty() {
        return best;
    }
    let width = (p.len() + 3).min(t.len());
    for start in 0..=t.len() - width {
        let window = &t[start..start + width];
        let score =
            p.iter().map(|pw| window.iter().map(|tw| word_similarity(pw, tw)).fold(0.0f32, f32::max)).sum::<f32>()
                / p.len() as f32;
        if score > best.similarity {
            best = Match { similarity: score, quote: window.join(" "), start, end: start + width };
        }
    }
    best
}

/// The share of `example`'s n-grams (character bigrams for Chinese, word stems for English)
/// found in `answer`.
fn containment(example: &str, answer: &str, language: Lang) -> f32 {
    match language {
        Lang::ZhCn => {
            let e = bigrams(&chinese_chars(example));
            let a = bigrams(&chinese_chars(answer));
            if e.is_empty() {
                return 0.0;
            }
            let mut pool = a;
            let mut found = 0;
            for g in &e {
                if let Some(i) = pool.iter().position(|x| x == g) {
                    pool.swap_remove(i);
                    found += 1;
                }
            }
            found as f32 / e.len() as f32
        }
        Lang::En => {
            let stems = |text: &str| -> Vec<String> {
                english_words(text)
                    .iter()
                    .filter(|w| !STOP_WORDS.contains(&w.as_str()))
                    .map(|w| stem(w).to_owned())
                    .collect()
            };
            let e = stems(example);
            let a = stems(answer);
            if e.is_empty() {
                return 0.0;
            }
            e.iter().filter(|w| a.contains(w)).count() as f32 / e.len() as f32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start_ms: u32, text: &str) -> Segment {
        Segment { start_ms, end_ms: start_ms + 4000, text: text.into(), confidence: None }
    }

    /// A segment as recognition heard it, with its mean log-probability.
    fn heard(start_ms: u32, text: &str, avg_logprob: f32) -> Segment {
        let confidence = Some(crate::whisper::Confidence { avg_logprob, no_speech_prob: 0.05 });
        Segment { confidence, ..seg(start_ms, text) }
    }

    fn rubric_zh() -> Rubric {
        Rubric::parse(
            r#"{
            "key_points": [
                {"id": "calm", "dimension": "应急处理", "text": "安抚情绪", "synonyms": ["让他冷静下来", "请他坐下"]},
                {"id": "listen", "dimension": "沟通能力", "text": "认真倾听", "synonyms": ["听他说完"]},
                {"id": "explain", "dimension": "沟通能力", "text": "解释政策", "synonyms": ["说明流程"]},
                {"id": "escalate", "dimension": "应急处理", "text": "报告上级", "weight": 0.5}
            ],
            "levels": [
                {"level": 5, "examples": ["先请他坐下安抚情绪，认真倾听诉求，再解释政策，必要时报告上级"]},
                {"level": 1, "examples": ["让他排队等着"]}
            ]
        }"#,
        )
        .unwrap()
    }

    /// A key point found in a stretch recognition was unsure of is evidence marked uncertain;
    /// one found in a confident stretch, or in typed text, is not; a phrase across the boundary
    /// of a confident and an unsure segment is uncertain.
    #[test]
    fn evidence_from_a_poorly_heard_segment_is_marked_uncertain() {
        use crate::whisper::Confidence;
        let segments = [
            heard(0, "我会先请他坐下，让他冷静下来", -0.3),
            heard(4000, "认真倾听他的诉求", -1.6),
            heard(8000, "报告", -0.2),
            heard(12000, "上级", -1.4),
        ];
        let scores = score(&rubric_zh(), &segments, Lang::ZhCn);
        let evidence = |id: &str| scores.iter().flat_map(|s| &s.evidence).find(|e| e.key_point == id).unwrap().clone();
        assert!(evidence("calm").covered && !evidence("calm").uncertain);
        assert!(evidence("listen").covered && evidence("listen").uncertain);
        assert!(evidence("escalate").covered && evidence("escalate").uncertain, "{:?}", evidence("escalate"));
        let silent = Segment {
            confidence: Some(Confidence { avg_logprob: -0.2, no_speech_prob: 0.9 }),
            ..seg(0, "认真倾听")
        };
        let scores = score(&rubric_zh(), &[silent], Lang::ZhCn);
        assert!(scores.iter().flat_map(|s| &s.evidence).any(|e| e.key_point == "listen" && e.uncertain));
        let typed = score(&rubric_zh(), &[seg(0, "认真倾听")], Lang::ZhCn);
        assert!(typed.iter().flat_map(|s| &s.evidence).all(|e| !e.uncertain));
        assert!(crate::pipeline::uncertain_dimensions(&typed).is_empty());
    }

    /// A dimension is flagged only when every key point found for it is uncertain: one sure
    /// quote is enough to lean on.
    #[test]
    fn a_dimension_resting_only_on_uncertain_quotes_is_flagged() {
        use crate::pipeline::{Flag, uncertain_dimensions};
        // 应急处理: both its points found, both poorly heard; 沟通能力: one sure, one unsure.
        let segments = [
            heard(0, "请他坐下", -1.5),
            heard(4000, "报告上级", -1.3),
            heard(8000, "认真倾听", -0.2),
            heard(12000, "说明流程", -1.8),
        ];
        let flags = uncertain_dimensions(&score(&rubric_zh(), &segments, Lang::ZhCn));
        assert_eq!(flags, [Flag::RecognitionUncertain { dimension: "应急处理".into(), start_ms: 0, end_ms: 8000 }]);
        assert_eq!(flags[0].kind(), interview::FlagKind::RecognitionUncertain);
    }

    #[test]
    fn chinese_key_points_match_despite_recognition_errors_and_name_their_evidence() {
        let segments = [seg(0, "我会先请他到旁边坐下，让他冷静下来"), seg(4000, "然后认真清听他的诉求，说明流程")];
        let scores = score(&rubric_zh(), &segments, Lang::ZhCn);
        assert_eq!(scores.iter().map(|s| s.dimension.as_str()).collect::<Vec<_>>(), ["应急处理", "沟通能力"]);
        let comm = &scores[1];
        // 清听 for 倾听 is a recognition error; the bigram match still covers the point.
        let listen = comm.evidence.iter().find(|e| e.key_point == "listen").unwrap();
        assert!(listen.covered, "{listen:?}");
        assert_eq!((listen.start_ms, listen.end_ms), (4000, 8000));
        assert!(comm.evidence.iter().find(|e| e.key_point == "explain").unwrap().covered);
        assert_eq!(comm.coverage, 1.0);
        let emergency = &scores[0];
        let calm = emergency.evidence.iter().find(|e| e.key_point == "calm").unwrap();
        assert!(calm.covered && calm.quote.contains("冷静"), "{calm:?}");
        assert!(!emergency.evidence.iter().find(|e| e.key_point == "escalate").unwrap().covered);
        assert!((emergency.coverage - 1.0 / 1.5).abs() < 1e-6);
        assert_eq!(emergency.key_point_level, 4);
    }

    #[test]
    fn a_phrase_cut_by_a_segment_boundary_is_found_across_it() {
        let segments = [seg(0, "我会先安抚他"), seg(4000, "的情绪，然后再说")];
        let alone = score(&rubric_zh(), &segments[..1], Lang::ZhCn);
        assert!(!alone[0].evidence.iter().find(|e| e.key_point == "calm").unwrap().covered);
        let scores = score(&rubric_zh(), &segments, Lang::ZhCn);
        let calm = scores[0].evidence.iter().find(|e| e.key_point == "calm").unwrap();
        assert!(calm.covered, "{calm:?}");
        assert_eq!((calm.start_ms, calm.end_ms, calm.quote.as_str()), (0, 8000, "安抚他的情绪"));
        // A phrase wholly inside one segment keeps that segment's times.
        let listen = &score(&rubric_zh(), &[seg(0, "你好"), seg(4000, "我会认真倾听")], Lang::ZhCn)[1];
        let listen = listen.evidence.iter().find(|e| e.key_point == "listen").unwrap();
        assert_eq!((listen.start_ms, listen.end_ms), (4000, 8000));
        // English too: "walk them | through the steps".
        let rubric = Rubric::parse(
            r#"{"key_points": [{"id": "steps", "dimension": "d", "text": "walk them through the steps"}]}"#,
        )
        .unwrap();
        let english = [seg(0, "First I would walk them"), seg(4000, "through the steps, one by one.")];
        let steps = &score(&rubric, &english, Lang::En)[0].evidence[0];
        assert!(steps.covered && (steps.start_ms, steps.end_ms) == (0, 8000), "{steps:?}");
    }

    #[test]
    fn an_answer_that_covers_nothing_scores_level_one() {
        let scores = score(&rubric_zh(), &[seg(0, "我不太清楚，让他排队等着吧")], Lang::ZhCn);
        assert!(scores.iter().all(|s| s.key_point_level == 1), "{scores:?}");
        let example = scores[0].closest_example.as_ref().unwrap();
        assert_eq!(example.level, 1);
        assert!(scores.iter().all(|s| s.level <= 1.0 + f32::EPSILON));
    }

    #[test]
    fn english_matching_uses_stems_and_tolerates_misspellings() {
        let rubric = Rubric::parse(
            r#"{"key_points": [
                {"id": "listen", "dimension": "communication", "text": "listen carefully"},
                {"id": "procedure", "dimension": "communication", "text": "explain the procedure", "synonyms": ["walk them through the steps"]}
            ]}"#,
        )
        .unwrap();
        let segments = [
            seg(0, "First I listened very carefully to the citizen."),
            seg(4000, "Then I explain the procedures tab by step."),
        ];
        let s = &score(&rubric, &segments, Lang::En)[0];
        assert_eq!(s.coverage, 1.0, "{s:?}");
        assert_eq!(s.level, 5.0);
        let none = &score(&rubric, &[seg(0, "I do not know.")], Lang::En)[0];
        assert_eq!(none.level, 1.0);
    }

    #[test]
    fn the_shipped_rubrics_have_no_phrasing_that_unrelated_text_matches() {
        for (json, language) in [
            (include_str!("../../../../tests/labelled/zh/rubric.json"), Lang::ZhCn),
            (include_str!("../../../../tests/labelled/en/rubric.json"), Lang::En),
            (include_str!("../../../../assets/samples/demo/q1-rubric.json"), Lang::ZhCn),
            (include_str!("../../../../assets/samples/demo/q2-rubric.json"), Lang::ZhCn),
        ] {
            let rubric = Rubric::parse(json).unwrap();
            assert_eq!(generic_phrasings(&rubric, language), [], "{json}");
        }
    }

    #[test]
    fn generic_phrasings_are_named_with_what_they_matched() {
        let rubric = Rubric::parse(
            r#"{"key_points": [
                {"id": "help", "dimension": "服务", "text": "主动帮助群众", "synonyms": ["比较"]},
                {"id": "work", "dimension": "服务", "text": "工作"}
            ]}"#,
        )
        .unwrap();
        let generic = generic_phrasings(&rubric, Lang::ZhCn);
        let phrasings: Vec<&str> = generic.iter().map(|g| g.phrasing.as_str()).collect();
        assert_eq!(phrasings, ["比较", "工作"], "{generic:?}");
        assert!(generic.iter().all(|g| g.matched >= 1 && g.sentences >= 40 && !g.example.is_empty()));
        let english =
            Rubric::parse(r#"{"key_points": [{"id": "x", "dimension": "d", "text": "every morning"}]}"#).unwrap();
        assert_eq!(generic_phrasings(&english, Lang::En)[0].example, "half past six every morning");
    }

    #[test]
    fn bad_rubrics_are_refused() {
        assert!(matches!(Rubric::parse("{"), Err(RubricError::Json(_))));
        assert!(matches!(Rubric::parse(r#"{"key_points": [], "extra": 1}"#), Err(RubricError::Json(_))));
        assert_eq!(
            Rubric::parse(r#"{"key_points": [{"id": "x", "dimension": "d", "text": " "}]}"#),
            Err(RubricError::EmptyKeyPoint("x".into()))
        );
        assert_eq!(Rubric::parse(r#"{"key_points": [], "levels": [{"level": 6}]}"#), Err(RubricError::Level(6)));
        assert_eq!(
            Rubric::parse(r#"{"key_points": [], "tuning": {"coverage_levels": [0.5, 0.4, 0.6, 0.8]}}"#),
            Err(RubricError::Tuning)
        );
    }

    fn rubric_follow_ups(allowed: u8) -> Rubric {
        let mut r = rubric_zh();
        r.follow_ups = allowed;
        let ask = |zh: &str, en: &str| Some(interview::Localized::new(zh, en));
        r.key_points[1].follow_up = ask("您会怎样了解他的诉求？", "How would you find out what he wants?");
        r.key_points[3].follow_up = ask("如果您处理不了，会怎么做？", "What would you do if you could not resolve it?");
        Rubric::parse(&serde_json::to_string(&r).unwrap()).unwrap()
    }

    /// The highest-weighted missing key point that has a follow-up is asked; one that is covered
    /// is not; points without a follow-up are listed as missing but never asked; the number
    /// asked is the rubric's setting.
    #[test]
    fn a_missing_key_point_with_a_follow_up_is_asked_and_a_covered_one_is_not() {
        use interview::follow_up::FollowUpOutcome;
        let answer = [seg(0, "我会先请他坐下，让他冷静下来"), seg(4000, "然后说明流程")];
        // listen (1.0, follow-up) and escalate (0.5, follow-up) are missing.
        let one = follow_up_choice(&rubric_follow_ups(1), &answer, Lang::ZhCn);
        assert_eq!(one.missing, ["listen", "escalate"]);
        assert_eq!(one.asks, ["listen"]);
        assert_eq!(one.outcome(), FollowUpOutcome::Asked);
        let two = follow_up_choice(&rubric_follow_ups(2), &answer, Lang::ZhCn);
        assert_eq!(two.asks, ["listen", "escalate"]);
        // None allowed: the rubric's setting is the clerk's, never exceeded.
        assert!(follow_up_choice(&rubric_follow_ups(0), &answer, Lang::ZhCn).asks.is_empty());
        // Listening covered: only escalate is left to ask.
        let covered = [seg(0, "我会请他坐下，认真倾听他的诉求"), seg(4000, "然后说明流程")];
        assert_eq!(follow_up_choice(&rubric_follow_ups(1), &covered, Lang::ZhCn).asks, ["escalate"]);
        // Everything covered: nothing asked.
        let full = [seg(0, "请他坐下，认真倾听，说明流程，报告上级")];
        let c = follow_up_choice(&rubric_follow_ups(2), &full, Lang::ZhCn);
        assert_eq!((c.missing.len(), c.asks.len(), c.outcome()), (0, 0, FollowUpOutcome::Covered));
        // Missing points without a follow-up: nothing to ask, and said so.
        let plain = follow_up_choice(&rubric_zh(), &answer, Lang::ZhCn);
        assert_eq!((plain.asks.len(), plain.outcome()), (0, FollowUpOutcome::NoFollowUp));
    }

    /// A follow-up's words count for the key point it asked about, and for nothing else.
    #[test]
    fn a_follow_up_counts_only_for_its_own_key_point() {
        let rubric = rubric_follow_ups(1);
        let answer = [seg(0, "我会先请他坐下，让他冷静下来")];
        let follow_up = vec![seg(20_000, "我会认真倾听他的诉求，然后说明流程")];
        let scores = score_with_follow_ups(&rubric, &answer, &[("listen".into(), follow_up)], Lang::ZhCn);
        let evidence = |id: &str| scores.iter().flat_map(|s| &s.evidence).find(|e| e.key_point == id).unwrap().clone();
        assert!(evidence("listen").covered && evidence("listen").start_ms == 20_000);
        // 说明流程 was said in the follow-up, but it asked about listening.
        assert!(!evidence("explain").covered);
        let without = score(&rubric, &answer, Lang::ZhCn);
        assert!(without.iter().flat_map(|s| &s.evidence).all(|e| e.key_point == "calm" || !e.covered));
    }

    #[test]
    fn follow_up_settings_are_checked() {
        let mut r = rubric_follow_ups(2);
        r.follow_ups = 3;
        assert!(matches!(Rubric::parse(&serde_json::to_string(&r).unwrap()), Err(RubricError::FollowUp(_))));
        let mut r = rubric_follow_ups(1);
        r.key_points[1].follow_up = Some(interview::Localized::new("您会怎样了解？", " "));
        assert!(matches!(Rubric::parse(&serde_json::to_string(&r).unwrap()), Err(RubricError::FollowUp(_))));
        // A rubric without follow-ups serialises as before (no new fields).
        assert!(!serde_json::to_string(&rubric_zh()).unwrap().contains("follow"));
    }
}
