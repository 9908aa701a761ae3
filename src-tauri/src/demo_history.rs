//! The demo's past round: what learning from outcomes needs is a job with enough hired people
//! whose later records are known. Sixty candidates of the demo job from "last year's round" go
//! through the real steps — invitation, the kiosk account checking them in, consent, an answer
//! to each question, the real rubric scoring the answer's text, a clerk's decision — except
//! that their answers are typed (as in the rubric editor's try panel) rather than recorded, so
//! the round takes seconds instead of an hour of speech recognition. Their later outcomes arrive
//! as an HRMS file (`hrms-outcomes.csv` in the data directory) and go through the real outcome
//! import. The groups are intake routes (社招 / 校招): the later ratings follow 应急处理, on which
//! 社招 hires are stronger, so the suggestion's fairness replay has something to show.

use std::path::Path;

use flow::FlowError;
use interview::outcomes::{Criterion, RatingScale};
use interview::stored::{StoredLine, StoredScore};
use interview::validity;
use interview::{Band, InterviewEvent, Lang};
use scoring::rubric::Rubric;
use vault::{NewCandidate, NewScore, NewTranscript, ScoringRecord, Session, Vault};

use crate::error::ShellError;
use crate::selftest::t;

/// How many past candidates.
const PAST: usize = 60;
/// The HRMS file the outcomes arrive in.
pub(crate) const OUTCOMES_FILE: &str = "hrms-outcomes.csv";

/// A valid (fictitious) resident ID number for past candidate `n`.
pub(crate) fn past_id_number(n: usize) -> String {
    let body = format!("44010619950101{:03}", n % 1000);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// How many of a dimension's key points candidate `n` mentions (out of `of`): 社招 (even) are
/// stronger in 应急处理, 校招 (odd) in 沟通能力; 服务意识 varies alike in both.
fn mentions(n: usize, dimension: &str, of: usize) -> usize {
    let lean = n / 2 % 2;
    let strong = if n.is_multiple_of(2) { "应急处理" } else { "沟通能力" };
    let count = match dimension {
        d if d == strong => 1 + lean,
        "应急处理" | "沟通能力" => lean,
        _ => n / 4 % 4,
    };
    count.min(of)
}

/// The typed answer of candidate `n` to a question with `rubric`: a clause for each key point
/// they mention, or nothing to the point.
fn typed_answer(n: usize, rubric: &Rubric) -> String {
    let mut clauses = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for point in &rubric.key_points {
        if seen.contains(&point.dimension.as_str()) {
            continue;
        }
        seen.push(&point.dimension);
        let of = rubric.key_points.iter().filter(|p| p.dimension == point.dimension).count();
        let take = mentions(n, &point.dimension, of);
        clauses.extend(
            rubric.key_points.iter().filter(|p| p.dimension == point.dimension).take(take).map(|p| p.text.clone()),
        );
    }
    if clauses.is_empty() {
        "我没有遇到过这种情况，说不好。".into()
    } else {
        format!("我会{}。", clauses.join("，然后"))
    }
}

/// Records the past round, imports its outcomes and prints what they say; returns the stage's
/// summary line.
pub(crate) fn past_round(
    vault: &mut Vault,
    clerk: &Session,
    job_id: i64,
    questions: &[(i64, &str)],
    data_dir: &Path,
    password: &str,
    lang: Lang,
) -> Result<String, ShellError> {
    let rubrics: Vec<(i64, Rubric)> = questions
        .iter()
        .map(|(id, json)| {
            Rubric::parse(json)
                .map(|r| (*id, r))
                .map_err(|error| FlowError::Rubric { path: format!("question {id}").into(), error }.into())
        })
        .collect::<Result<_, ShellError>>()?;
    let kiosk = flow::station::sign_in(vault, "kiosk-1", password, "kiosk-1")?.session;
    let job = vault.job(clerk, job_id)?;
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    for n in 0..PAST {
        let id = past_id_number(n);
        let candidate = vault.add_candidate(
            clerk,
            NewCandidate {
                job_id,
                name: format!("往年考生{n:02}"),
                id_number: Some(id.clone()),
                phone: None,
                email: None,
                group: Some(if n.is_multiple_of(2) { "社招" } else { "校招" }.into()),
            },
        )?;
        let (interview, code) = vault.issue_invitation(clerk, candidate, now - 3_600_000, now + 3_600_000)?;
        vault.check_in(&kiosk, &code, Some(&id[14..]))?;
        vault.advance_interview(&kiosk, interview, InterviewEvent::GiveConsent)?;
        let mut record = ScoringRecord {
            model_versions: "typed answers (demo past round)".into(),
            transcripts: Vec::new(),
            scores: Vec::new(),
            flags: Vec::new(),
        };
        let mut levels = Vec::new();
        for (question, rubric) in &rubrics {
            let answer = vault.begin_answer(&kiosk, interview, *question, false)?;
            vault.finish_answer(&kiosk, answer, true)?;
            let text = typed_answer(n, rubric);
            let scores = flow::scoring::try_rubric(rubric, &text, Lang::ZhCn);
            record.transcripts.push(NewTranscript {
                answer_id: answer,
                language: Lang::ZhCn,
                lines: vec![StoredLine {
                    start_ms: 0,
                    end_ms: text.chars().count() as u32 * 250,
                    text,
                    avg_logprob: None,
                    no_speech_prob: None,
                }],
                delivery: None,
            });
            for d in &scores {
                levels.push((d.dimension.clone(), d.level));
                record.scores.push(NewScore {
                    answer_id: Some(answer),
                    dimension: Some(d.dimension.clone()),
                    level: Some(f64::from(d.level)),
                    total: None,
                    band: None,
                    evidence_json: StoredScore::from(d).to_json(),
                    rubric_version: Some(1),
                });
            }
        }
        vault.advance_interview(&kiosk, interview, InterviewEvent::Finish)?;
        let total = scoring::aggregate_levels(&levels, &job.dimensions, job.bands);
        record.scores.push(NewScore {
            answer_id: None,
            dimension: None,
            level: None,
            total: total.total,
            band: total.band,
            evidence_json: serde_json::to_string(&total).unwrap_or_else(|_| "null".into()),
            rubric_version: None,
        });
        vault.record_scoring(interview, &record)?;
        vault.decide(clerk, interview, Band::Recommend, "往年录用", None)?;
    }
    vault.logout(&kiosk)?;

    // A year on, the HRMS exports what became of them: annual ratings that follow 应急处理,
    // probation failed by two who mention none of it.
    let today = interview::outcomes::CivilDate::of_ms(now, i32::from(flow::reports::now().offset().whole_minutes()));
    let mut csv = String::from("姓名,身份证号,类型,日期,结果\n");
    const GRADES: [&str; 4] = ["不称职", "基本称职", "称职", "优秀"];
    for n in 0..PAST {
        let emergency = mentions(n, "应急处理", 2) as i32;
        let noise = [0, 1, -1][n / 3 % 3];
        let grade = (1 + emergency + noise).clamp(0, 3) as usize;
        csv.push_str(&format!("往年考生{n:02},{},绩效,{today},{}\n", past_id_number(n), GRADES[grade]));
        let passed = !(emergency == 0 && noise < 0);
        csv.push_str(&format!(
            "往年考生{n:02},{},试用期,{today},{}\n",
            past_id_number(n),
            if passed { "通过" } else { "未通过" }
        ));
    }
    let path = data_dir.join(OUTCOMES_FILE);
    std::fs::write(&path, csv.as_bytes()).map_err(|source| FlowError::Write { path: path.clone(), source })?;
    let offset = i32::from(flow::reports::now().offset().whole_minutes());
    let table = hrms::import::read_table(csv.as_bytes())?;
    let lookup = vault.outcome_lookup(clerk, job_id, offset)?;
    let checked = hrms::outcomes::check(
        &table,
        &hrms::outcomes::OutcomeMapping::guess(&table.headers),
        RatingScale::Grades4,
        &lookup,
    )?;
    if !checked.errors.is_empty() {
        return Err(ShellError::OutcomesRefused { problems: checked.errors.len() });
    }
    let recorded = vault.record_outcomes(clerk, job_id, &checked.outcomes(), offset)?;

    let review = vault.weights_review(clerk, job_id, Criterion::Performance, offset)?;
    let table = review.validity.iter().find(|t| t.criterion == Criterion::Performance);
    for row in table.map(|t| t.rows.as_slice()).unwrap_or_default() {
        let fmt = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into());
        println!(
            "    {:<6} ρ {} [{}, {}] n {}",
            row.dimension.as_deref().unwrap_or(t(lang, "总分", "total")),
            fmt(row.ai.rho),
            fmt(row.ai.low),
            fmt(row.ai.high),
            row.ai.n
        );
    }
    let outcome = match (&review.suggestion, &review.replay) {
        (Ok(s), Some(replay)) => {
            let moves: Vec<String> = s
                .dimensions
                .iter()
                .map(|d| format!("{} {}→{}%", d.dimension, d.current_bp / 100, f64::from(d.suggested_bp) / 100.0))
                .collect();
            println!("    {}: {}", t(lang, "权重建议", "suggested weights"), moves.join(" · "));
            println!("    {}", validity::verdict(replay, lang));
            if replay.passes {
                t(
                    lang,
                    "建议通过公平性检查，未自动应用",
                    "the suggestion passes the fairness check; not applied automatically",
                )
            } else {
                t(lang, "建议未通过公平性检查，未应用", "the suggestion fails the fairness check; not applied")
            }
        }
        (Err(why), _) => {
            println!("    {}", why.message().get(lang));
            t(lang, "无权重建议", "no suggestion")
        }
        (Ok(_), None) => t(lang, "无权重建议", "no suggestion"),
    };
    Ok(format!(
        "{PAST} {}, {recorded} {} ({OUTCOMES_FILE}); {outcome}",
        t(
            lang,
            "名往年考生（文字作答，真实评分规则）已录用",
            "past candidates (typed answers, the real rubric scoring) hired"
        ),
        t(lang, "条录用后结果已导入", "later outcomes imported"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_id_numbers_are_valid_and_distinct() {
        let ids: std::collections::BTreeSet<String> = (0..PAST).map(past_id_number).collect();
        assert_eq!(ids.len(), PAST);
        for id in &ids {
            interview::check_resident_id(id).unwrap();
        }
    }
}
