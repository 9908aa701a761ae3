//! The candidate report: one interview, with every score explained by its evidence.

use interview::stored::RateUnit;
use interview::{InterviewState, Lang};
use time::OffsetDateTime;
use vault::{InterviewRecord, Organisation};

use crate::layout::{CONTENT_W, Column, MARGIN, Style, Writer};
use crate::text::{self, T, band_color, band_name, clock, date_time, flag_name};

/// A rendered report: the PDF bytes (signed later when final) and where the signature block is.
#[derive(Debug)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    /// `None` for a draft: drafts are never signed.
    pub signature_block: Option<(usize, [f32; 4])>,
}

/// What the signature block says, known before the page is drawn.
#[derive(Clone, Debug)]
pub struct SigningNote {
    pub organisation: String,
    pub signer: String,
    pub signing_time: OffsetDateTime,
    pub audit_checkpoint: String,
}

/// Why a report is a draft, if it is: not scored yet, or scored but not reviewed by a person.
pub fn draft_reason(record: &InterviewRecord) -> Option<T> {
    match record.state {
        InterviewState::Reviewed if record.decision.is_some() => None,
        InterviewState::Scored | InterviewState::Reviewed => Some(text::DRAFT_NOT_REVIEWED),
        _ => Some(text::DRAFT_NOT_SCORED),
    }
}

pub fn render(
    record: &InterviewRecord,
    org: &Organisation,
    lang: Lang,
    report_id: &str,
    now: OffsetDateTime,
    signing: Option<&SigningNote>,
) -> crate::Result<Rendered> {
    let t = |x: T| x.get(lang);
    let offset = now.offset();
    let draft = draft_reason(record);
    let mut w = Writer::new(&format!("{} {}", t(text::CANDIDATE_REPORT), record.candidate_name), lang)?;
    w.describe(&format!("{} {report_id}", t(text::CANDIDATE_REPORT)), &org.name);

    header(&mut w, org, t(text::CANDIDATE_REPORT));
    if let Some(reason) = draft {
        w.fill_rect(MARGIN, w.y - 30.0, CONTENT_W, 30.0, (0.99, 0.92, 0.92));
        w.text_at(MARGIN + 8.0, w.y - 13.0, t(text::DRAFT_TITLE), Style::LABEL.with_color((0.7, 0.1, 0.1)));
        w.text_at(MARGIN + 8.0, w.y - 25.0, t(reason), Style::SMALL.with_color((0.5, 0.1, 0.1)));
        w.space(38.0);
    }
    let masked_id = record.id_last4.as_ref().map(|l| format!("**************{l}")).unwrap_or_else(|| "—".into());
    w.fields(&[
        (t(text::CANDIDATE).into(), if record.purged { t(text::PURGED).into() } else { record.candidate_name.clone() }),
        (t(text::ID_NUMBER).into(), masked_id),
        (t(text::JOB).into(), record.job.title.clone()),
        (
            t(text::INTERVIEW_DATE).into(),
            record.started_at_ms.map(|ms| date_time(ms, offset)).unwrap_or_else(|| "—".into()),
        ),
        (t(text::INTERVIEW_NO).into(), format!("#{}", record.interview_id)),
        (t(text::STATUS).into(), text::state_name(record.state).get(lang).into()),
        (t(text::REPORT_ID).into(), report_id.into()),
        (t(text::GENERATED).into(), date_time(now.unix_timestamp() * 1000, offset)),
    ]);
    w.space(6.0);

    // The result.
    w.ensure(64.0);
    let top = w.y;
    w.fill_rect(MARGIN, top - 56.0, CONTENT_W, 56.0, (0.95, 0.97, 1.0));
    w.text_at(MARGIN + 12.0, top - 18.0, t(text::TOTAL), Style::SMALL);
    let total = record.total.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into());
    w.text_at(MARGIN + 12.0, top - 46.0, &total, Style { size: 26.0, bold: true, color: (0.05, 0.2, 0.4) });
    w.text_at(
        MARGIN + 12.0 + w.width(&total, Style { size: 26.0, bold: true, color: (0.0, 0.0, 0.0) }) + 4.0,
        top - 46.0,
        "/ 100",
        Style::SMALL,
    );
    // Three columns — total, the AI's band, the decision — each text made to fit its own column,
    // so the AI's band and the decision never run together ("Not recommended" "Recommend").
    let (band_x, decision_x) = (MARGIN + 140.0, MARGIN + 310.0);
    let fit = |w: &Writer, text: &str, style: Style, room: f32| {
        let width = w.width(text, style);
        if width > room { Style { size: style.size * room / width, ..style } } else { style }
    };
    w.text_at(band_x, top - 18.0, t(text::AI_BAND), Style::SMALL);
    let band = record.band.map(|b| band_name(b).get(lang)).unwrap_or("—");
    let band_style = Style { size: 16.0, bold: true, color: record.band.map(band_color).unwrap_or((0.4, 0.4, 0.4)) };
    let band_style = fit(&w, band, band_style, decision_x - band_x - 24.0);
    w.text_at(band_x, top - 44.0, band, band_style);
    w.text_at(decision_x, top - 18.0, t(text::DECISION), Style::SMALL);
    let room = MARGIN + CONTENT_W - decision_x - 8.0;
    match &record.decision {
        Some(d) => {
            let name = band_name(d.band).get(lang);
            let style = fit(&w, name, Style { size: 13.0, bold: true, color: band_color(d.band) }, room);
            w.text_at(decision_x, top - 36.0, name, style);
            let by = format!("{} · {}", d.decider, date_time(d.at_ms, offset));
            let style = fit(&w, &by, Style::SMALL, room);
            w.text_at(decision_x, top - 50.0, &by, style);
        }
        None => w.text_at(decision_x, top - 38.0, t(text::NOT_DECIDED), Style::LABEL.with_color((0.6, 0.3, 0.1))),
    }
    w.y = top - 64.0;

    // The chart: each dimension's AI level and the raters' mean, on the 1–5 scale.
    w.heading(t(text::DIMENSIONS), Style::H2);
    chart(&mut w, record, lang);

    // Per question.
    w.heading(t(text::ANSWERS), Style::H2);
    if record.answers.is_empty() {
        w.paragraph(t(text::NO_ANSWERS), Style::BODY, 0.0);
    }
    // The core answers first (the total is theirs), then the personalised ones in a section of
    // their own: evidence per dimension beside the total. Questions keep their numbers.
    let core = record.answers.iter().enumerate().filter(|(_, a)| !a.personalised);
    let personalised: Vec<_> = record.answers.iter().enumerate().filter(|(_, a)| a.personalised).collect();
    let mut section_started = false;
    for (i, answer) in core.chain(personalised.iter().copied()) {
        if answer.personalised && !section_started {
            section_started = true;
            w.heading(t(text::PERSONALISED_SECTION), Style::H2);
            w.paragraph(t(text::PERSONALISED), Style::SMALL, 0.0);
        }
        w.heading(
            &format!("{} {}  ·  {} {}", t(text::QUESTION), i + 1, t(text::RUBRIC_VERSION), answer.rubric_version),
            Style::H3,
        );
        w.paragraph(&answer.question_text, Style::BODY.with_color((0.25, 0.25, 0.3)), 0.0);
        w.paragraph(&format!("{} {}", t(text::DURATION), clock(answer.duration_ms.max(0) as u32)), Style::SMALL, 0.0);
        follow_ups(&mut w, answer, lang);
        w.space(2.0);
        for score in &answer.scores {
            w.ensure(Style::LABEL.line_height() * 2.0);
            w.paragraph(&format!("{}  {:.1} / 5", score.dimension, score.level), Style::LABEL, 0.0);
            let Some(parsed) = &score.explanation else { continue };
            for e in &parsed.evidence {
                let line = if e.covered && e.uncertain {
                    format!(
                        "● {} — “{}” ({}–{}) △ {}",
                        e.point,
                        e.quote,
                        clock(e.start_ms),
                        clock(e.end_ms),
                        t(text::RECOGNITION_UNCERTAIN)
                    )
                } else if e.covered {
                    format!("● {} — “{}” ({}–{})", e.point, e.quote, clock(e.start_ms), clock(e.end_ms))
                } else {
                    format!("○ {} — {}", e.point, t(text::NOT_MENTIONED))
                };
                let style = if e.covered { Style::BODY } else { Style::BODY.with_color((0.33, 0.33, 0.38)) };
                w.paragraph(&line, style, 10.0);
            }
            if let Some(example) = &parsed.closest_example {
                w.paragraph(
                    &format!("{} {}: {}", t(text::CLOSEST_EXAMPLE), example.level, example.example),
                    Style::SMALL,
                    10.0,
                );
            }
        }
        if let Some(delivery) = &answer.delivery {
            let unit = match (lang, delivery.rate_unit) {
                (Lang::ZhCn, RateUnit::CharsPerMinute) => "字/分钟",
                (Lang::ZhCn, RateUnit::WordsPerMinute) => "词/分钟",
                (Lang::En, RateUnit::CharsPerMinute) => "characters/min",
                (Lang::En, RateUnit::WordsPerMinute) => "words/min",
            };
            w.paragraph(
                &format!(
                    "{}: {} {} · {} {:.0} {unit} · {} {} · {} {}",
                    t(text::DELIVERY),
                    t(text::SPEAKING),
                    clock(delivery.speaking_ms),
                    t(text::RATE),
                    delivery.speech_rate,
                    t(text::PAUSES),
                    delivery.long_pauses.len(),
                    t(text::FILLERS),
                    delivery.fillers
                ),
                Style::SMALL,
                0.0,
            );
        }
        w.space(4.0);
    }

    // Integrity flags.
    w.heading(t(text::FLAGS), Style::H2);
    if record.flags.is_empty() {
        w.paragraph(t(text::NO_FLAGS), Style::BODY, 0.0);
    } else {
        let question_of = |answer: Option<i64>| {
            answer
                .and_then(|a| record.answers.iter().position(|x| x.answer_id == a))
                .map(|i| (i + 1).to_string())
                .unwrap_or_else(|| "—".into())
        };
        let rows: Vec<Vec<String>> = record
            .flags
            .iter()
            .map(|f| {
                vec![
                    flag_name(f.kind).get(lang).to_owned(),
                    question_of(f.answer_id),
                    match (f.start_ms, f.end_ms) {
                        (Some(s), Some(e)) if e > s => format!("{}–{}", clock(s as u32), clock(e as u32)),
                        (Some(s), _) => clock(s as u32),
                        _ => "—".into(),
                    },
                    text::flag_status(f.status).get(lang).to_owned(),
                ]
            })
            .collect();
        let cols = [
            Column { width: 3.0, right: false },
            Column { width: 1.0, right: true },
            Column { width: 2.0, right: false },
            Column { width: 2.0, right: false },
        ];
        w.table(
            &cols,
            &[t(text::FLAG).into(), t(text::QUESTION).into(), t(text::TIME).into(), t(text::FLAG_STATUS).into()],
            &rows,
        );
    }

    // The human review.
    w.heading(t(text::HUMAN_REVIEW), Style::H2);
    if record.ratings.is_empty() {
        w.paragraph(t(text::NO_RATINGS), Style::BODY, 0.0);
    } else {
        let rows: Vec<Vec<String>> = record
            .ratings
            .iter()
            .map(|r| {
                vec![
                    r.rater.clone(),
                    r.dimension.clone(),
                    r.level.to_string(),
                    r.note.clone().unwrap_or_default(),
                    date_time(r.at_ms, offset),
                ]
            })
            .collect();
        let cols = [
            Column { width: 2.0, right: false },
            Column { width: 2.0, right: false },
            Column { width: 0.8, right: true },
            Column { width: 4.0, right: false },
            Column { width: 2.2, right: false },
        ];
        w.table(
            &cols,
            &[
                t(text::RATER).into(),
                t(text::DIMENSION).into(),
                t(text::LEVEL).into(),
                t(text::NOTE).into(),
                t(text::TIME).into(),
            ],
            &rows,
        );
    }
    if let Some(d) = &record.decision {
        w.paragraph(
            &format!(
                "{}: {} — {} ({}, {})",
                t(text::DECISION),
                band_name(d.band).get(lang),
                d.reason,
                d.decider,
                date_time(d.at_ms, offset)
            ),
            Style::BODY,
            0.0,
        );
        if let Some((open, why)) = &d.over_open_flags {
            let line = match lang {
                Lang::ZhCn => format!("作出决定时仍有 {open} 个完整性提示未处理，决定人说明理由：{why}"),
                Lang::En => format!("Decided with {open} integrity flag(s) still open; the decider's reason: {why}"),
            };
            w.paragraph(&line, Style::LABEL.with_color((0.6, 0.2, 0.0)), 0.0);
        }
    }

    // Versions and the statement.
    w.heading(t(text::VERSIONS), Style::H2);
    w.paragraph(
        &format!("{}: {}", t(text::MODELS), record.model_versions.as_deref().unwrap_or("—")),
        Style::SMALL,
        0.0,
    );
    let rubrics: Vec<String> = record
        .answers
        .iter()
        .enumerate()
        .map(|(i, a)| format!("{} {} v{}", t(text::QUESTION), i + 1, a.rubric_version))
        .collect();
    w.paragraph(
        &format!("{}: {}", t(text::RUBRICS), if rubrics.is_empty() { "—".into() } else { rubrics.join(", ") }),
        Style::SMALL,
        0.0,
    );
    w.space(6.0);
    w.paragraph(t(text::AI_STATEMENT), Style::BODY.with_color((0.2, 0.25, 0.35)), 0.0);

    let block = match (draft, signing) {
        (None, Some(note)) => Some(signature_block(&mut w, note, report_id, lang)),
        _ => None,
    };
    let draft_banner = draft.map(|_| t(text::DRAFT_BANNER));
    let pdf = w.finish(report_id, now, draft_banner)?;
    Ok(Rendered { pdf, signature_block: block })
}

/// The organisation's logo and name, and the report's title.
pub(crate) fn header(w: &mut Writer, org: &Organisation, title: &str) {
    let top = w.y;
    let mut x = MARGIN;
    if let Some(png) = &org.logo_png
        && let Some(width) = w.logo(png, MARGIN, top, 34.0)
    {
        x += width + 10.0;
    }
    let name = if org.name.is_empty() { "—" } else { org.name.as_str() };
    w.text_at(x, top - 13.0, name, Style::LABEL.with_color((0.3, 0.3, 0.38)));
    w.text_at(x, top - 33.0, title, Style::H1);
    w.y = top - 44.0;
    w.hline(MARGIN, MARGIN + CONTENT_W, w.y, (0.05, 0.2, 0.4), 1.2);
    w.space(10.0);
}

/// Horizontal bars on the 1–5 scale: the AI's level (blue) and the raters' mean (green).
fn chart(w: &mut Writer, record: &InterviewRecord, lang: Lang) {
    let t = |x: T| x.get(lang);
    let label_w = 130.0;
    let bar_x = MARGIN + label_w;
    let bar_w = CONTENT_W - label_w - 60.0;
    let row_h = 26.0;
    let dims = &record.job.dimensions;
    let height = dims.len() as f32 * row_h + 30.0;
    w.ensure(height);
    let top = w.y;
    // Bars start at 0, so the lowest level (1) is a bar too, a fifth of the scale long.
    let x_of = |level: f64| bar_x + (level.clamp(0.0, 5.0) / 5.0) as f32 * bar_w;
    // The scale.
    for level in 0..=5 {
        let x = x_of(f64::from(level));
        w.line(&[(x, top - 4.0), (x, top - 4.0 - dims.len() as f32 * row_h)], (0.85, 0.86, 0.9), 0.5);
        w.text_at(x - 2.5, top - 14.0 - dims.len() as f32 * row_h, &level.to_string(), Style::SMALL);
    }
    for (i, dim) in dims.iter().enumerate() {
        let y = top - 4.0 - i as f32 * row_h;
        let weight = f64::from(dim.basis_points) / 100.0;
        w.text_at(MARGIN, y - 11.0, &dim.dimension, Style::LABEL);
        w.text_at(MARGIN, y - 21.0, &format!("{} {weight:.0}%", t(text::WEIGHT)), Style::SMALL);
        let ai = record.ai_level(&dim.dimension);
        let human: Vec<f64> =
            record.ratings.iter().filter(|r| r.dimension == dim.dimension).map(|r| r.level as f64).collect();
        let human = (!human.is_empty()).then(|| human.iter().sum::<f64>() / human.len() as f64);
        if let Some(level) = ai {
            w.fill_rect(bar_x, y - 11.0, x_of(level) - bar_x, 8.0, (0.2, 0.45, 0.8));
            w.text_at(
                x_of(level) + 4.0,
                y - 10.5,
                &format!("AI {level:.1}"),
                Style::SMALL.with_color((0.2, 0.35, 0.6)),
            );
        }
        if let Some(level) = human {
            w.fill_rect(bar_x, y - 21.0, x_of(level) - bar_x, 8.0, (0.25, 0.65, 0.4));
            w.text_at(
                x_of(level) + 4.0,
                y - 20.5,
                &format!("{} {level:.1}", t(text::HUMAN)),
                Style::SMALL.with_color((0.15, 0.45, 0.25)),
            );
        }
    }
    w.y = top - height;
    w.fill_rect(bar_x, w.y + 2.0, 8.0, 6.0, (0.2, 0.45, 0.8));
    w.text_at(bar_x + 11.0, w.y + 2.0, t(text::LEGEND_AI), Style::SMALL);
    w.fill_rect(bar_x + 130.0, w.y + 2.0, 8.0, 6.0, (0.25, 0.65, 0.4));
    w.text_at(bar_x + 141.0, w.y + 2.0, t(text::LEGEND_HUMAN), Style::SMALL);
    w.space(8.0);
}

/// The visible signature block at the end; returns its page and rectangle for the widget.
pub(crate) fn signature_block(w: &mut Writer, note: &SigningNote, report_id: &str, lang: Lang) -> (usize, [f32; 4]) {
    let t = |x: T| x.get(lang);
    let height = 62.0;
    w.ensure(height + 10.0);
    w.space(8.0);
    let top = w.y;
    let (x, width) = (MARGIN, CONTENT_W);
    w.fill_rect(x, top - height, width, height, (0.96, 0.98, 0.96));
    w.stroke_rect(x, top - height, width, height, (0.25, 0.55, 0.35), 0.8);
    w.text_at(
        x + 10.0,
        top - 15.0,
        &format!("{} · {}", t(text::SIGNED_BY), note.organisation),
        Style::LABEL.with_color((0.1, 0.4, 0.2)),
    );
    w.text_at(x + 10.0, top - 29.0, &format!("{}: {}", t(text::SIGNER), note.signer), Style::SMALL);
    w.text_at(
        x + 10.0,
        top - 41.0,
        &format!(
            "{}: {}    {}: {}",
            t(text::REPORT_ID),
            report_id,
            t(text::SIGNING_TIME),
            date_time(note.signing_time.unix_timestamp() * 1000, note.signing_time.offset())
        ),
        Style::SMALL,
    );
    w.text_at(x + 10.0, top - 53.0, &format!("{}: {}", t(text::AUDIT_CHECKPOINT), note.audit_checkpoint), Style::SMALL);
    w.y = top - height;
    (w.page_index(), [x, top - height, x + width, top])
}

/// What the kiosk decided about follow-ups after an answer: what it asked (and from when in the
/// recording), or why it asked nothing; and which key points it found left out.
fn follow_ups(w: &mut Writer, answer: &vault::AnswerRecord, lang: Lang) {
    use interview::follow_up::FollowUpOutcome;
    let t = |x: T| x.get(lang);
    let Some(first) = answer.follow_ups.first() else { return };
    let (colon, open, close, comma, sep) = match lang {
        Lang::ZhCn => ("：", "（", "）", "，", "；"),
        Lang::En => (": ", " (", ")", ", ", "; "),
    };
    let rubric = scoring_rubric_points(&answer.rubric_json);
    let point = |id: &str| rubric.iter().find(|(k, _)| k == id).map_or_else(|| id.to_owned(), |(_, text)| text.clone());
    match first.stored.outcome {
        FollowUpOutcome::Asked => {
            for f in &answer.follow_ups {
                let (Some(question), Some(key_point)) = (&f.stored.question, &f.stored.key_point) else { continue };
                let from =
                    f.start_ms.map(|ms| format!("{comma}{} {}", t(text::FOLLOW_UP_FROM), clock(ms.max(0) as u32)));
                w.paragraph(
                    &format!(
                        "{} {}{colon}{}{open}{}{colon}{}{}{close}",
                        t(text::FOLLOW_UP_ASKED),
                        f.stored.ordinal,
                        question,
                        t(text::FOLLOW_UP_ABOUT),
                        point(key_point),
                        from.unwrap_or_default()
                    ),
                    Style::SMALL,
                    0.0,
                );
            }
        }
        FollowUpOutcome::Covered => w.paragraph(t(text::FOLLOW_UP_COVERED), Style::SMALL, 0.0),
        FollowUpOutcome::NoFollowUp => w.paragraph(t(text::FOLLOW_UP_NONE_WRITTEN), Style::SMALL, 0.0),
        FollowUpOutcome::Late => w.paragraph(t(text::FOLLOW_UP_LATE), Style::SMALL, 0.0),
    }
    if let Some(decision) = &first.stored.decision
        && !decision.missing.is_empty()
    {
        let missing: Vec<String> = decision.missing.iter().map(|id| point(id)).collect();
        w.paragraph(&format!("{}{colon}{}", t(text::FOLLOW_UP_MISSING), missing.join(sep)), Style::SMALL, 0.0);
    }
}

/// A rubric's key points (id, text), read without the scoring crate (the report depends only on
/// the stored JSON's shape).
fn scoring_rubric_points(json: &str) -> Vec<(String, String)> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    value["key_points"]
        .as_array()
        .map(|points| {
            points.iter().filter_map(|p| Some((p["id"].as_str()?.to_owned(), p["text"].as_str()?.to_owned()))).collect()
        })
        .unwrap_or_default()
}
