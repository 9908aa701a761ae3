//! The job report (ranking, distributions, AI–human agreement, selection rates) and the audit
//! export (the log for a period with the chain's checkpoint), both always final and signed.

use interview::stats;
use interview::{Band, Lang};
use time::OffsetDateTime;
use vault::{AuditRow, JobCandidateRecord, JobInfo, Organisation, WeightsReview};

use crate::candidate::{Rendered, SigningNote, header, signature_block};
use crate::layout::{Column, Style, Writer};
use crate::text::{self, T, band_name, date_time, state_name};

#[allow(clippy::too_many_arguments)]
pub fn render_job(
    job: &JobInfo,
    candidates: &[JobCandidateRecord],
    validity: Option<&WeightsReview>,
    org: &Organisation,
    lang: Lang,
    report_id: &str,
    now: OffsetDateTime,
    signing: &SigningNote,
) -> crate::Result<Rendered> {
    let t = |x: T| x.get(lang);
    let offset = now.offset();
    let mut w = Writer::new(&format!("{} {}", t(text::JOB_REPORT), job.title), lang)?;
    w.describe(&format!("{} {report_id}", t(text::JOB_REPORT)), &org.name);
    header(&mut w, org, t(text::JOB_REPORT));
    let scored = candidates.iter().filter(|c| c.total.is_some()).count();
    w.fields(&[
        (t(text::JOB).into(), job.title.clone()),
        (t(text::REPORT_ID).into(), report_id.into()),
        (t(text::CANDIDATES).into(), candidates.len().to_string()),
        (t(text::SCORED).into(), scored.to_string()),
        (t(text::GENERATED).into(), date_time(now.unix_timestamp() * 1000, offset)),
    ]);

    // Ranking: scored candidates by total, then the rest.
    w.heading(t(text::RANKING), Style::H2);
    let mut ranked: Vec<&JobCandidateRecord> = candidates.iter().collect();
    ranked.sort_by(|a, b| b.total.unwrap_or(-1.0).total_cmp(&a.total.unwrap_or(-1.0)).then(a.name.cmp(&b.name)));
    let rows: Vec<Vec<String>> = ranked
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                if c.total.is_some() { (i + 1).to_string() } else { "—".into() },
                c.name.clone(),
                c.group_label.clone().unwrap_or_default(),
                c.state.map(|s| state_name(s).get(lang).to_owned()).unwrap_or_else(|| "—".into()),
                c.total.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into()),
                c.band.map(|b| band_name(b).get(lang).to_owned()).unwrap_or_else(|| "—".into()),
                c.decision.map(|b| band_name(b).get(lang).to_owned()).unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    let cols = [
        Column { width: 0.8, right: true },
        Column { width: 2.4, right: false },
        Column { width: 1.4, right: false },
        Column { width: 1.3, right: false },
        Column { width: 1.0, right: true },
        Column { width: 1.5, right: false },
        Column { width: 1.5, right: false },
    ];
    let head = [text::RANK, text::CANDIDATE, text::GROUP, text::STATUS, text::SCORE, text::AI_BAND, text::DECISION];
    w.table(&cols, &head.map(|h| t(h).to_owned()), &rows);

    // Distribution per dimension: how many candidates at each level (AI mean rounded), as
    // drawn bars beside each count.
    w.heading(t(text::DISTRIBUTION), Style::H2);
    let mut dist = Vec::new();
    for (d, dim) in job.dimensions.iter().enumerate() {
        let levels: Vec<f64> = candidates.iter().filter_map(|c| c.ai_levels.get(d).copied().flatten()).collect();
        let mut counts = [0usize; 5];
        for l in &levels {
            counts[(l.round().clamp(1.0, 5.0) as usize) - 1] += 1;
        }
        let mean = (!levels.is_empty()).then(|| levels.iter().sum::<f64>() / levels.len() as f64);
        dist.push((dim, counts, levels.len(), mean));
    }
    distribution(&mut w, &dist, lang);
    // Agreement between the AI and the raters.
    w.heading(t(text::AGREEMENT), Style::H2);
    let mut agree_rows = Vec::new();
    for (d, dim) in job.dimensions.iter().enumerate() {
        let pairs: Vec<(f64, f64)> = candidates
            .iter()
            .filter_map(|c| Some((c.ai_levels.get(d).copied().flatten()?, c.human_levels.get(d).copied().flatten()?)))
            .collect();
        let fmt = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| t(text::TOO_FEW).to_owned());
        agree_rows.push(vec![
            dim.dimension.clone(),
            pairs.len().to_string(),
            fmt(if pairs.len() >= 3 {
                stats::spearman(
                    &pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
                    &pairs.iter().map(|p| p.1).collect::<Vec<_>>(),
                )
            } else {
                None
            }),
            fmt(stats::weighted_kappa(&pairs)),
        ]);
    }
    let cols = [
        Column { width: 2.5, right: false },
        Column { width: 0.8, right: true },
        Column { width: 1.5, right: true },
        Column { width: 1.5, right: true },
    ];
    w.table(&cols, &[t(text::DIMENSION).into(), "n".into(), "Spearman ρ".into(), "Cohen κ (w)".into()], &agree_rows);
    w.paragraph(t(text::AGREEMENT_NOTE), Style::SMALL, 0.0);

    // Selection rates per group.
    w.heading(t(text::SELECTION), Style::H2);
    let outcomes: Vec<(String, bool)> =
        candidates.iter().filter_map(|c| Some((c.group_label.clone()?, c.decision? == Band::Recommend))).collect();
    if outcomes.is_empty() {
        w.paragraph(t(text::NO_GROUPS), Style::BODY, 0.0);
    } else {
        let rows: Vec<Vec<String>> = stats::selection_rates(&outcomes)
            .into_iter()
            .map(|g| {
                let ratio = g
                    .impact_ratio
                    .map(|r| if r < 0.8 { format!("{r:.2} ({})", t(text::ATTENTION)) } else { format!("{r:.2}") });
                vec![
                    g.group,
                    g.decided.to_string(),
                    g.selected.to_string(),
                    format!("{:.0}%", g.rate * 100.0),
                    ratio.unwrap_or_else(|| "—".into()),
                ]
            })
            .collect();
        let cols = [
            Column { width: 2.0, right: false },
            Column { width: 1.0, right: true },
            Column { width: 1.0, right: true },
            Column { width: 1.2, right: true },
            Column { width: 1.6, right: true },
        ];
        let head = [text::GROUP, text::DECIDED, text::SELECTED, text::SELECTION_RATE, text::IMPACT_RATIO];
        w.table(&cols, &head.map(|h| t(h).to_owned()), &rows);
        w.paragraph(t(text::SELECTION_NOTE), Style::SMALL, 0.0);
    }
    if let Some(review) = validity {
        validity_section(&mut w, review, lang);
    }
    w.space(6.0);
    w.paragraph(t(text::AI_STATEMENT_JOB), Style::BODY.with_color((0.2, 0.25, 0.35)), 0.0);
    let block = signature_block(&mut w, signing, report_id, lang);
    Ok(Rendered { pdf: w.finish(report_id, now, None)?, signature_block: Some(block) })
}

/// How each dimension's levels relate to later outcomes, and the weight suggestion with its
/// fairness replay (the same numbers as the validity screen).
fn validity_section(w: &mut Writer, review: &WeightsReview, lang: Lang) {
    use interview::validity::{Correlation, ai_word, raters_word, verdict};
    let t = |x: T| x.get(lang);
    w.heading(t(text::VALIDITY), Style::H2);
    w.fields(&[(t(text::WITH_OUTCOMES).into(), format!("{} / {}", review.with_outcomes, review.people))]);
    w.paragraph(t(text::VALIDITY_RANGE), Style::SMALL, 0.0);
    let tables: Vec<_> = review.validity.iter().filter(|v| v.n > 0).collect();
    if tables.is_empty() {
        w.paragraph(t(text::VALIDITY_NONE), Style::BODY, 0.0);
        return;
    }
    let interval = |c: &Correlation| match (c.rho, c.low, c.high) {
        (Some(r), Some(l), Some(h)) => format!("{r:.2} ({l:.2} – {h:.2})"),
        _ => t(text::TOO_FEW).to_owned(),
    };
    let cols = [
        Column { width: 2.0, right: false },
        Column { width: 2.0, right: true },
        Column { width: 0.7, right: true },
        Column { width: 2.0, right: true },
        Column { width: 0.7, right: true },
    ];
    for table in tables {
        w.heading(&format!("{} (n = {})", table.criterion.name().get(lang), table.n), Style::H3);
        let rows: Vec<Vec<String>> = table
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.dimension.clone().unwrap_or_else(|| t(text::TOTAL_ROW).to_owned()),
                    interval(&r.ai),
                    r.ai.n.to_string(),
                    interval(&r.raters),
                    r.raters.n.to_string(),
                ]
            })
            .collect();
        let head = [t(text::DIMENSION), t(text::AI_RHO), "n", t(text::RATERS_RHO), "n"].map(str::to_owned);
        w.table(&cols, &head, &rows);
        for r in &table.rows {
            let what = r.dimension.clone().unwrap_or_else(|| t(text::TOTAL_ROW).to_owned());
            w.paragraph(&format!("· {}", r.ai.reading(&ai_word(), &what).get(lang)), Style::SMALL, 6.0);
            if r.raters.n > 0 {
                w.paragraph(&format!("· {}", r.raters.reading(&raters_word(), &what).get(lang)), Style::SMALL, 6.0);
            }
        }
    }
    w.heading(&format!("{} — {}", t(text::SUGGESTION), review.criterion.name().get(lang)), Style::H3);
    let suggestion = match &review.suggestion {
        Ok(s) => s,
        Err(why) => {
            w.paragraph(why.message().get(lang), Style::BODY, 0.0);
            return;
        }
    };
    let pct = |bp: u32| format!("{:.1}%", f64::from(bp) / 100.0);
    let rows: Vec<Vec<String>> = suggestion
        .dimensions
        .iter()
        .map(|d| vec![d.dimension.clone(), pct(d.current_bp), pct(d.suggested_bp), format!("{:.2}", d.evidence)])
        .collect();
    let cols = [
        Column { width: 2.4, right: false },
        Column { width: 1.2, right: true },
        Column { width: 1.2, right: true },
        Column { width: 1.2, right: true },
    ];
    let head = [t(text::DIMENSION), t(text::TODAY), t(text::SUGGESTED), t(text::EVIDENCE)].map(str::to_owned);
    w.table(&cols, &head, &rows);
    w.paragraph(t(text::SUGGESTION_METHOD), Style::SMALL, 0.0);
    if let Some(replay) = &review.replay {
        let changes: Vec<String> = replay
            .band_changes
            .iter()
            .map(|c| format!("{} → {}: {}", band_name(c.from).get(lang), band_name(c.to).get(lang), c.count))
            .collect();
        w.fields(&[(t(text::BAND_CHANGES).into(), if changes.is_empty() { "0".into() } else { changes.join("; ") })]);
        if !replay.groups.is_empty() {
            w.paragraph(t(text::REPLAY), Style::SMALL, 0.0);
            let ratio = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into());
            let rows: Vec<Vec<String>> = replay
                .groups
                .iter()
                .map(|g| {
                    vec![
                        g.group.clone(),
                        g.candidates.to_string(),
                        format!("{:.0}% → {:.0}%", g.rate_before * 100.0, g.rate_after * 100.0),
                        format!(
                            "{} → {}{}",
                            ratio(g.impact_before),
                            ratio(g.impact_after),
                            if g.fails { format!(" ({})", t(text::FAILS)) } else { String::new() }
                        ),
                    ]
                })
                .collect();
            let cols = [
                Column { width: 1.6, right: false },
                Column { width: 1.0, right: true },
                Column { width: 1.8, right: true },
                Column { width: 2.2, right: true },
            ];
            let head = [t(text::GROUP), t(text::CANDIDATES), t(text::SELECTION_RATE), t(text::IMPACT_RATIO)]
                .map(str::to_owned);
            w.table(&cols, &head, &rows);
        }
        w.paragraph(&verdict(replay, lang), Style::BODY, 0.0);
    }
}

type DimensionCounts<'a> = (&'a interview::Weight, [usize; 5], usize, Option<f64>);

/// The distribution: a row per dimension (name and weight), a column per level with the count
/// and a bar as long as its share of the candidates, and the mean.
fn distribution(w: &mut Writer, rows: &[DimensionCounts<'_>], lang: Lang) {
    use crate::layout::{CONTENT_W, MARGIN};
    let t = |x: T| x.get(lang);
    let (label_w, mean_w) = (130.0, 50.0);
    let cell_w = (CONTENT_W - label_w - mean_w) / 5.0;
    let row_h = 22.0;
    let head = Style::SMALL.with_color((0.1, 0.15, 0.3));
    w.ensure(row_h * (rows.len() as f32 + 1.0) + 8.0);
    let top = w.y;
    w.fill_rect(MARGIN, top - 16.0, CONTENT_W, 16.0, (0.9, 0.93, 0.97));
    w.text_at(MARGIN + 3.0, top - 11.0, t(text::DIMENSION), head);
    for level in 1..=5 {
        let x = MARGIN + label_w + (level - 1) as f32 * cell_w;
        w.text_at(x + 3.0, top - 11.0, &format!("{} {level}", t(text::LEVEL)), head);
    }
    w.text_at(MARGIN + CONTENT_W - mean_w + 3.0, top - 11.0, t(text::MEAN), head);
    for (i, (dim, counts, total, mean)) in rows.iter().enumerate() {
        let y = top - 16.0 - i as f32 * row_h;
        if i % 2 == 1 {
            w.fill_rect(MARGIN, y - row_h, CONTENT_W, row_h, (0.97, 0.97, 0.98));
        }
        let weight = f64::from(dim.basis_points) / 100.0;
        w.text_at(MARGIN + 3.0, y - 10.0, &dim.dimension, Style::SMALL.with_color((0.1, 0.1, 0.12)));
        w.text_at(MARGIN + 3.0, y - 19.0, &format!("{} {weight:.0}%", t(text::WEIGHT)), Style::SMALL);
        for (level, &count) in counts.iter().enumerate() {
            let x = MARGIN + label_w + level as f32 * cell_w;
            let number = count.to_string();
            w.text_at(x + 3.0, y - 14.0, &number, Style::SMALL.with_color((0.1, 0.1, 0.12)));
            let bar_x = x + 6.0 + w.width(&number, Style::SMALL);
            let room = cell_w - (bar_x - x) - 6.0;
            if *total > 0 && count > 0 {
                w.fill_rect(bar_x, y - 15.0, room * count as f32 / *total as f32, 7.0, (0.2, 0.45, 0.8));
            }
        }
        let mean = mean.map(|m| format!("{m:.2}")).unwrap_or_else(|| "—".into());
        let mean_x = MARGIN + CONTENT_W - 3.0 - w.width(&mean, Style::SMALL);
        w.text_at(mean_x, y - 14.0, &mean, Style::SMALL.with_color((0.1, 0.1, 0.12)));
    }
    w.y = top - 16.0 - rows.len() as f32 * row_h;
    w.hline(MARGIN, MARGIN + CONTENT_W, w.y, (0.8, 0.82, 0.86), 0.5);
    w.space(6.0);
}

/// The audit log for a period; `chain` is the verified chain's summary line.
#[allow(clippy::too_many_arguments)]
pub fn render_audit(
    rows: &[AuditRow],
    period: (i64, i64),
    chain: &str,
    org: &Organisation,
    lang: Lang,
    report_id: &str,
    now: OffsetDateTime,
    signing: &SigningNote,
) -> crate::Result<Rendered> {
    let t = |x: T| x.get(lang);
    let offset = now.offset();
    let mut w = Writer::new(t(text::AUDIT_REPORT), lang)?;
    w.describe(&format!("{} {report_id}", t(text::AUDIT_REPORT)), &org.name);
    header(&mut w, org, t(text::AUDIT_REPORT));
    w.fields(&[
        (t(text::PERIOD).into(), format!("{} — {}", date_time(period.0, offset), date_time(period.1, offset))),
        (t(text::REPORT_ID).into(), report_id.into()),
        (t(text::ENTRIES).into(), rows.len().to_string()),
        (t(text::AUDIT_CHECKPOINT).into(), signing.audit_checkpoint.clone()),
        (t(text::CHAIN).into(), chain.to_owned()),
        (t(text::GENERATED).into(), date_time(now.unix_timestamp() * 1000, offset)),
    ]);
    w.space(4.0);
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.seq.to_string(),
                text::timestamp(r.at_ms, offset),
                r.actor.clone(),
                r.role.clone(),
                r.action.clone(),
                r.object.clone(),
                r.outcome.clone(),
                r.device.clone(),
            ]
        })
        .collect();
    let cols = [
        Column { width: 0.7, right: true },
        Column { width: 2.0, right: false },
        Column { width: 1.1, right: false },
        Column { width: 0.8, right: false },
        Column { width: 1.6, right: false },
        Column { width: 1.6, right: false },
        Column { width: 0.8, right: false },
        Column { width: 1.0, right: false },
    ];
    let mut head =
        [text::SEQ, text::TIME, text::ACTOR, text::ROLE, text::ACTION, text::OBJECT, text::OUTCOME, text::DEVICE]
            .map(|h| t(h).to_owned());
    head[1] = format!("{} ({})", head[1], text::zone(offset));
    w.table(&cols, &head, &table);
    let block = signature_block(&mut w, signing, report_id, lang);
    Ok(Rendered { pdf: w.finish(report_id, now, None)?, signature_block: Some(block) })
}

/// The same rows as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese),
/// with cells that a spreadsheet would run as a formula neutralised.
pub fn audit_csv(rows: &[AuditRow], checkpoint: &str) -> String {
    let mut out = String::from("\u{feff}seq,at_ms,actor,role,action,object,outcome,device\n");
    for r in rows {
        let cells = [
            r.seq.to_string(),
            r.at_ms.to_string(),
            r.actor.clone(),
            r.role.clone(),
            r.action.clone(),
            r.object.clone(),
            r.outcome.clone(),
            r.device.clone(),
        ];
        out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out.push_str(&format!("# checkpoint,{}\n", csv_cell(checkpoint)));
    out
}

fn csv_cell(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
