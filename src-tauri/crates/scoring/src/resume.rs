//! Personalised questions: which of a job's conditioned questions a candidate's résumé facts meet,
//! and why. Phrases are found with the rubric matcher ([`crate::rubric`]), sentence by sentence,
//! so a reason quotes the sentence that met it ("带领" in "曾带领一个五人团队完成系统迁移").
//! Résumés are typed, not recognised speech, so a phrase counts only at [`PHRASE_THRESHOLD`]
//! (0.85), stricter than a rubric's default (0.6): word forms still meet ("office moves" finds
//! "the office move"), but one character changed in a short Chinese phrase does not (群众来信,
//! letters, is not 群众来访, visits; the rubric matcher rates it 0.8 for the sound).
//!
//! **The rule** (README, "Personalised questions"): a question is eligible when every clause of
//! its condition holds; the eligible questions are taken in the bank's order (position, then
//! id) up to the job's number of personalised questions. The same facts and the same bank give
//! the same plan; nothing random, nothing generated.

use interview::Lang;
pub use interview::resume::Conditioned;
use interview::resume::{Chosen, Clause, Condition, Reason, ResumeFacts, ResumeField};

use crate::rubric::find;

/// The similarity at which a phrase counts as found in a résumé.
pub const PHRASE_THRESHOLD: f32 = 0.85;

/// The reasons a condition holds, one per clause, or `None` when one clause does not.
pub fn evaluate(condition: &Condition, facts: &ResumeFacts, language: Lang) -> Option<Vec<Reason>> {
    condition.all.iter().map(|clause| clause_holds(clause, facts, language)).collect()
}

/// The personalised questions for a candidate: eligible ones in the bank's order, at most `max`.
pub fn choose(bank: &[Conditioned], facts: &ResumeFacts, max: usize, language: Lang) -> Vec<Chosen> {
    let mut bank: Vec<&Conditioned> = bank.iter().collect();
    bank.sort_by_key(|q| (q.position, q.question_id));
    bank.into_iter()
        .filter_map(|q| {
            evaluate(&q.condition, facts, language).map(|reasons| Chosen { question_id: q.question_id, reasons })
        })
        .take(max)
        .collect()
}

fn clause_holds(clause: &Clause, facts: &ResumeFacts, language: Lang) -> Option<Reason> {
    match clause {
        Clause::YearsAtLeast(n) => facts.years.filter(|y| y >= n).map(|years| Reason::Years { at_least: *n, years }),
        Clause::EducationIn(set) => {
            facts.education.filter(|e| set.contains(e)).map(|education| Reason::Education { education })
        }
        Clause::AnyPhrase(phrases) => phrases.iter().find_map(|p| {
            found(p, &facts.text, ResumeField::Text, language)
                .or_else(|| facts.skills.iter().find_map(|s| found(p, s, ResumeField::Skills, language)))
        }),
        Clause::RoleHeld(phrases) => {
            phrases.iter().find_map(|p| facts.roles.iter().find_map(|r| found(p, r, ResumeField::Roles, language)))
        }
    }
}

/// The first sentence of `text` in which `phrase` is found, as the reason's quote.
fn found(phrase: &str, text: &str, field: ResumeField, language: Lang) -> Option<Reason> {
    sentences(text).find(|s| find(phrase, s, language).similarity >= PHRASE_THRESHOLD).map(|sentence| Reason::Phrase {
        phrase: phrase.to_owned(),
        quote: clip(sentence, phrase, language),
        field,
    })
}

/// Sentences and lines, trimmed: the unit a reason quotes.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split(['。', '！', '？', '；', ';', '!', '?', '\n'])
        .flat_map(split_english)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// English sentences end with ". " (a period inside "Ph.D" or "3.5" does not end one).
fn split_english(text: &str) -> impl Iterator<Item = &str> {
    text.split(". ")
}

/// A long sentence cut to about 60 characters around the match.
fn clip(sentence: &str, phrase: &str, language: Lang) -> String {
    const MAX: usize = 60;
    let chars: Vec<char> = sentence.chars().collect();
    if chars.len() <= MAX {
        return sentence.to_owned();
    }
    let quote = find(phrase, sentence, language).quote;
    let at = quote.chars().next().and_then(|c| chars.iter().position(|&x| x == c)).unwrap_or(0);
    let start = at.saturating_sub(MAX / 3).min(chars.len() - MAX);
    let mut out: String = chars[start..start + MAX].iter().collect();
    if start > 0 {
        out.insert(0, '…');
    }
    if start + MAX < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use interview::resume::Education;

    fn facts_zh() -> ResumeFacts {
        ResumeFacts {
            education: Some(Education::Master),
            major: Some("公共管理".into()),
            years: Some(6),
            employers: vec!["某市社保局".into()],
            roles: vec!["窗口组组长".into(), "科员".into()],
            skills: vec!["Excel".into(), "公文写作".into()],
            text: "2019年起在社保窗口工作。曾带领一个五人团队完成业务系统迁移；负责群众来访接待。".into(),
        }
    }

    fn facts_en() -> ResumeFacts {
        ResumeFacts {
            education: Some(Education::Bachelor),
            years: Some(2),
            roles: vec!["Customer service officer".into()],
            skills: vec!["Spreadsheets".into()],
            text: "Handled complaints at the front desk. Organised the office move in 2023.".into(),
            ..ResumeFacts::default()
        }
    }

    fn condition(json: &str) -> Condition {
        serde_json::from_str::<Condition>(json).unwrap().checked().unwrap()
    }

    #[test]
    fn a_phrase_quotes_the_sentence_it_was_found_in() {
        let reasons = evaluate(&condition(r#"{"all":[{"any_phrase":["带领"]}]}"#), &facts_zh(), Lang::ZhCn).unwrap();
        assert_eq!(
            reasons,
            [Reason::Phrase {
                phrase: "带领".into(),
                quote: "曾带领一个五人团队完成业务系统迁移".into(),
                field: ResumeField::Text
            }]
        );
        assert_eq!(reasons[0].sentence().zh_cn, "“带领”与简历正文中的“曾带领一个五人团队完成业务系统迁移”相符");
        let skill = evaluate(&condition(r#"{"all":[{"any_phrase":["公文写作"]}]}"#), &facts_zh(), Lang::ZhCn).unwrap();
        assert!(matches!(&skill[0], Reason::Phrase { field: ResumeField::Skills, .. }));
        let role = evaluate(&condition(r#"{"all":[{"role_held":["组长"]}]}"#), &facts_zh(), Lang::ZhCn).unwrap();
        assert!(matches!(&role[0], Reason::Phrase { field: ResumeField::Roles, quote, .. } if quote == "窗口组组长"));
    }

    #[test]
    fn near_misses_do_not_match() {
        let facts = facts_zh();
        // Rated 0.5–0.8 by the matcher: one character off (来信/来访, 迁徙/迁移), a longer phrase
        // around a shared part, a shared bigram.
        for phrase in ["带来", "群众来信", "系统迁徙", "业务系统开发", "来访登记", "团队建设"] {
            let c = condition(&format!(r#"{{"all":[{{"any_phrase":["{phrase}"]}}]}}"#));
            assert_eq!(evaluate(&c, &facts, Lang::ZhCn), None, "{phrase} must not match");
        }
        // A role phrase looks in the roles only: 迁移 is in the text, not a role.
        assert_eq!(evaluate(&condition(r#"{"all":[{"role_held":["迁移"]}]}"#), &facts, Lang::ZhCn), None);
        let en = facts_en();
        for phrase in ["handled compliance", "organise events", "led a team", "budget"] {
            let c = condition(&format!(r#"{{"all":[{{"any_phrase":["{phrase}"]}}]}}"#));
            assert_eq!(evaluate(&c, &en, Lang::En), None, "{phrase} must not match");
        }
    }

    #[test]
    fn english_phrases_match_word_forms() {
        let c = condition(r#"{"all":[{"any_phrase":["handle complaints"]},{"role_held":["service officer"]}]}"#);
        let reasons = evaluate(&c, &facts_en(), Lang::En).unwrap();
        assert_eq!(
            reasons[0],
            Reason::Phrase {
                phrase: "handle complaints".into(),
                quote: "Handled complaints at the front desk".into(),
                field: ResumeField::Text
            }
        );
        assert!(matches!(&reasons[1], Reason::Phrase { field: ResumeField::Roles, .. }));
        let moves = condition(r#"{"all":[{"any_phrase":["office moves"]}]}"#);
        assert!(evaluate(&moves, &facts_en(), Lang::En).is_some(), "a word form meets");
    }

    #[test]
    fn years_and_education_are_thresholds_and_sets() {
        let f = facts_zh();
        let years = |n: u8| condition(&format!(r#"{{"all":[{{"years_at_least":{n}}}]}}"#));
        assert_eq!(evaluate(&years(6), &f, Lang::ZhCn), Some(vec![Reason::Years { at_least: 6, years: 6 }]));
        assert_eq!(evaluate(&years(7), &f, Lang::ZhCn), None);
        assert_eq!(evaluate(&years(1), &ResumeFacts::default(), Lang::ZhCn), None, "unknown years meet nothing");
        let edu = condition(r#"{"all":[{"education_in":["master","doctorate"]}]}"#);
        assert!(evaluate(&edu, &f, Lang::ZhCn).is_some());
        assert_eq!(evaluate(&edu, &facts_en(), Lang::En), None);
        // Every clause must hold.
        let both = condition(r#"{"all":[{"years_at_least":3},{"any_phrase":["带来"]}]}"#);
        assert_eq!(evaluate(&both, &f, Lang::ZhCn), None);
    }

    #[test]
    fn the_plan_is_the_bank_order_up_to_the_maximum_and_the_same_for_the_same_facts() {
        let q =
            |id: i64, position: i64, json: &str| Conditioned { question_id: id, position, condition: condition(json) };
        let bank = vec![
            q(30, 3, r#"{"all":[{"any_phrase":["迁移"]}]}"#),
            q(10, 1, r#"{"all":[{"years_at_least":5}]}"#),
            q(20, 2, r#"{"all":[{"any_phrase":["带来"]}]}"#),
            q(40, 3, r#"{"all":[{"education_in":["master"]}]}"#),
        ];
        let ids = |chosen: Vec<Chosen>| chosen.into_iter().map(|c| c.question_id).collect::<Vec<_>>();
        assert_eq!(ids(choose(&bank, &facts_zh(), 2, Lang::ZhCn)), [10, 30]);
        assert_eq!(ids(choose(&bank, &facts_zh(), 5, Lang::ZhCn)), [10, 30, 40]);
        let mut reversed = bank.clone();
        reversed.reverse();
        assert_eq!(choose(&reversed, &facts_zh(), 5, Lang::ZhCn), choose(&bank, &facts_zh(), 5, Lang::ZhCn));
        assert!(choose(&bank, &facts_zh(), 0, Lang::ZhCn).is_empty());
        assert!(choose(&bank, &ResumeFacts::default(), 5, Lang::ZhCn).is_empty());
    }

    #[test]
    fn a_long_sentence_is_quoted_around_the_match() {
        let facts = ResumeFacts {
            text: format!("{}负责组织全市窗口人员的业务培训{}", "甲".repeat(80), "乙".repeat(80)),
            ..ResumeFacts::default()
        };
        let reasons = evaluate(&condition(r#"{"all":[{"any_phrase":["业务培训"]}]}"#), &facts, Lang::ZhCn).unwrap();
        let Reason::Phrase { quote, .. } = &reasons[0] else { unreachable!() };
        assert!(quote.contains("业务培训") && quote.starts_with('…') && quote.ends_with('…'), "{quote}");
        assert!(quote.chars().count() <= 62);
    }
}
