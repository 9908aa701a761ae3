//! The clerk's workspace: jobs with their weights and bands, the question bank with its rubric
//! editor and the "try this rubric" panel, candidates, invitations with printed slips, and the
//! status board. Auditors may read jobs, candidates and the board; the vault refuses them the
//! rest.

use interview::{Bands, Lang, Weight};
use scoring::rubric::{KeyPoint, LevelExample, Rubric, RubricError};
use tauri::{Manager, State};
use time::{OffsetDateTime, PrimitiveDateTime};

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{
    ActiveInterviewDto, CandidatePageDto, CandidateQuery, CandidateRowDto, DimensionDto, EvidenceDto,
    GenericPhrasingDto, InviteDto, IpcError, JobDto, KeyPointDto, LevelDto, NewCandidateDto, NewJobDto, QuestionDto,
    RubricDto, SlipsDto, StatusBoardDto, TryRubricDto, TryScoreDto,
};
use crate::state::{AppState, Mode};
use flow::reports::now;

fn job_dto(j: vault::JobSummary) -> JobDto {
    JobDto {
        id: j.id as u32,
        title: j.title,
        language: j.language,
        dimensions: j
            .dimensions
            .into_iter()
            .map(|w| DimensionDto { name: w.dimension, weight_pct: f64::from(w.basis_points) / 100.0 })
            .collect(),
        recommend: u32::from(j.bands.recommend),
        hold: u32::from(j.bands.hold),
        questions: j.questions as u32,
        candidates: j.candidates as u32,
    }
}

/// The rubric as the editor sends it, checked by the scoring crate's own rules. Key point ids
/// are derived from their position; `tuning` is kept from the version being edited.
pub(crate) fn rubric_from_dto(dto: &RubricDto, tuning: Option<scoring::rubric::Tuning>) -> Result<Rubric, ShellError> {
    let clean = |v: &[String]| v.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect::<Vec<_>>();
    let rubric = Rubric {
        key_points: dto
            .key_points
            .iter()
            .enumerate()
            .map(|(i, kp)| KeyPoint {
                id: format!("k{}", i + 1),
                dimension: kp.dimension.trim().to_owned(),
                text: kp.text.trim().to_owned(),
                synonyms: clean(&kp.synonyms),
                weight: 1.0,
                follow_up: (!kp.follow_up_zh.trim().is_empty() || !kp.follow_up_en.trim().is_empty())
                    .then(|| interview::Localized::new(kp.follow_up_zh.trim(), kp.follow_up_en.trim())),
            })
            .collect(),
        levels: dto
            .levels
            .iter()
            .filter(|l| !l.description.trim().is_empty() || !clean(&l.examples).is_empty())
            .map(|l| LevelExample {
                level: u8::try_from(l.level).unwrap_or(0),
                description: l.description.trim().to_owned(),
                examples: clean(&l.examples),
            })
            .collect(),
        tuning: tuning.unwrap_or_default(),
        follow_ups: u8::try_from(dto.follow_ups).unwrap_or(u8::MAX),
    };
    let json = serde_json::to_string(&rubric).map_err(|e| ShellError::Internal(e.to_string()))?;
    Ok(Rubric::parse(&json)?)
}

pub(crate) fn rubric_dto(rubric: &Rubric) -> RubricDto {
    RubricDto {
        key_points: rubric
            .key_points
            .iter()
            .map(|kp| KeyPointDto {
                dimension: kp.dimension.clone(),
                text: kp.text.clone(),
                synonyms: kp.synonyms.clone(),
                follow_up_zh: kp.follow_up.as_ref().map(|f| f.zh_cn.clone()).unwrap_or_default(),
                follow_up_en: kp.follow_up.as_ref().map(|f| f.en.clone()).unwrap_or_default(),
            })
            .collect(),
        levels: rubric
            .levels
            .iter()
            .map(|l| LevelDto {
                level: u32::from(l.level),
                description: l.description.clone(),
                examples: l.examples.clone(),
            })
            .collect(),
        follow_ups: u32::from(rubric.follow_ups),
    }
}

/// The rubric's phrasings too generic to be evidence, as the UI shows them.
fn generic_dto(rubric: &Rubric, language: Lang) -> Vec<GenericPhrasingDto> {
    scoring::rubric::generic_phrasings(rubric, language)
        .into_iter()
        .map(|g| GenericPhrasingDto {
            point: g.point,
            phrasing: g.phrasing,
            matched: g.matched as u32,
            sentences: g.sentences as u32,
            example: g.example,
        })
        .collect()
}

/// A job's questions as the bank shows them.
fn bank(vault: &mut vault::Vault, s: &vault::Session, job_id: i64) -> Result<Vec<QuestionDto>, ShellError> {
    let language = vault.job(s, job_id)?.language;
    vault.job_questions(s, job_id)?.into_iter().map(|q| question_dto(q, language)).collect()
}

fn question_dto(q: vault::QuestionInfo, language: Lang) -> Result<QuestionDto, ShellError> {
    let rubric = Rubric::parse(&q.rubric_json)?;
    Ok(QuestionDto {
        generic: generic_dto(&rubric, language),
        id: Some(q.id as u32),
        situational: q.situational,
        text: q.text,
        rubric: rubric_dto(&rubric),
        dimensions: q.dimensions,
        prep_seconds: q.prep_seconds,
        answer_seconds: q.answer_seconds,
        retakes: q.retakes,
        version: q.version as u32,
        frozen: q.frozen,
        revision: q.revision.clamp(0, i64::from(u32::MAX)) as u32,
    })
}

/// Every job, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn clerk_jobs<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<Vec<JobDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_jobs")?;
    blocking(move || state.with_session(|vault, s| Ok(vault.jobs(s)?.into_iter().map(job_dto).collect()))).await
}

/// Creates a job. The weights must add up to exactly 100% and the bands be in order.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn clerk_create_job<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job: NewJobDto,
) -> Result<Vec<JobDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_create_job")?;
    blocking(move || {
        let title = job.title.trim().to_owned();
        if title.is_empty() {
            return Err(ShellError::BadArgument("title".into()));
        }
        let language = job.language;
        let dimensions: Vec<Weight> = job
            .dimensions
            .iter()
            .map(|d| Weight {
                dimension: d.name.trim().to_owned(),
                basis_points: (d.weight_pct * 100.0).round() as u32,
            })
            .collect();
        let sum: u32 = dimensions.iter().map(|w| w.basis_points).sum();
        if sum != 10_000 {
            return Err(ShellError::WeightsNot100 { basis_points: sum });
        }
        let bands =
            Bands::new(u8::try_from(job.recommend).unwrap_or(u8::MAX), u8::try_from(job.hold).unwrap_or(u8::MAX))
                .map_err(vault::VaultError::from)?;
        state.with_session(|vault, s| {
            vault.create_job(s, vault::NewJob { title, language, dimensions, bands })?;
            Ok(vault.jobs(s)?.into_iter().map(job_dto).collect())
        })
    })
    .await
}

/// A job's questions in order, each with its current rubric.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn clerk_questions<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
) -> Result<Vec<QuestionDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_questions")?;
    blocking(move || state.with_session(|vault, s| bank(vault, s, i64::from(job_id)))).await
}

/// Adds a question to a job (no id) or changes one (a used rubric becomes a new version).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn clerk_save_question<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
    question: QuestionDto,
) -> Result<Vec<QuestionDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_save_question")?;
    blocking(move || {
        let text = question.text.trim().to_owned();
        if text.is_empty() {
            return Err(ShellError::BadArgument("question text".into()));
        }
        if question.rubric.key_points.is_empty() {
            return Err(RubricError::EmptyKeyPoint(String::new()).into());
        }
        state.with_session(|vault, s| {
            let job_id = i64::from(job_id);
            let existing = vault.job_questions(s, job_id)?;
            let tuning = question
                .id
                .and_then(|id| existing.iter().find(|q| q.id == i64::from(id)))
                .and_then(|q| Rubric::parse(&q.rubric_json).ok())
                .map(|r| r.tuning);
            let rubric = rubric_from_dto(&question.rubric, tuning)?;
            // The question's dimensions are the ones its key points score, plus any the clerk ticked.
            let mut dimensions: Vec<String> = rubric.dimensions().into_iter().map(str::to_owned).collect();
            for d in &question.dimensions {
                if !dimensions.contains(d) {
                    dimensions.push(d.clone());
                }
            }
            let new = vault::NewQuestion {
                job_id,
                situational: question.situational,
                text,
                rubric_json: serde_json::to_string(&rubric).map_err(|e| ShellError::Internal(e.to_string()))?,
                dimensions,
                prep_seconds: question.prep_seconds.clamp(0, 600),
                answer_seconds: question.answer_seconds.clamp(10, 1800),
                retakes: question.retakes.min(3),
            };
            match question.id {
                Some(id) => {
                    vault.update_question(s, i64::from(id), &new, Some(i64::from(question.revision)))?;
                }
                None => {
                    vault.add_question(s, new)?;
                }
            }
            bank(vault, s, job_id)
        })
    })
    .await
}

/// Scores a typed sample answer against a rubric being edited, exactly as the scoring of a
/// recorded answer's transcript does (no recording, no model: the rubric's own matching).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn clerk_try_rubric<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    rubric: RubricDto,
    answer: String,
    language: Lang,
) -> Result<TryRubricDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_try_rubric")?;
    blocking(move || {
        // Only those who write rubrics try them (a live session; a refusal is audited).
        state.with_session(|vault, s| Ok(vault.authorize(s, interview::Action::ManageQuestions)?))?;
        let rubric = rubric_from_dto(&rubric, None)?;
        let scores = flow::scoring::try_rubric(&rubric, &answer, language)
            .into_iter()
            .map(|d| TryScoreDto {
                dimension: d.dimension,
                level: f64::from(d.level),
                closest_example_level: d.closest_example.map(|e| u32::from(e.level)),
                evidence: d
                    .evidence
                    .into_iter()
                    .map(|e| EvidenceDto {
                        point: e.point,
                        quote: if e.covered { e.quote } else { String::new() },
                        start_ms: e.start_ms,
                        end_ms: e.end_ms,
                        covered: e.covered,
                        uncertain: e.covered && e.uncertain,
                    })
                    .collect(),
            })
            .collect();
        Ok(TryRubricDto { scores, generic: generic_dto(&rubric, language) })
    })
    .await
}

/// One page of candidates, filtered by job, name prefix and interview state.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn clerk_candidates<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    query: CandidateQuery,
) -> Result<CandidatePageDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_candidates")?;
    blocking(move || {
        let filter = vault::CandidateFilter {
            job_id: query.job_id.map(i64::from),
            name_prefix: query.name_prefix.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()),
            state: query.state,
            offset: query.offset,
            limit: query.limit,
        };
        state.with_session(|vault, s| {
            let page = vault.list_candidates(s, &filter)?;
            Ok(CandidatePageDto {
                rows: page
                    .rows
                    .into_iter()
                    .map(|r| CandidateRowDto {
                        id: r.id as u32,
                        job_id: r.job_id as u32,
                        name: r.name,
                        id_last4: r.id_last4,
                        state: r.state,
                    })
                    .collect(),
                has_more: page.has_more,
            })
        })
    })
    .await
}

/// Adds one candidate; returns their id.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn clerk_add_candidate<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    candidate: NewCandidateDto,
) -> Result<u32, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_add_candidate")?;
    let opt = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    blocking(move || {
        let name = candidate.name.trim().to_owned();
        if name.is_empty() {
            return Err(ShellError::BadArgument("name".into()));
        }
        state.with_session(|vault, s| {
            let id = vault.add_candidate(
                s,
                vault::NewCandidate {
                    job_id: i64::from(candidate.job_id),
                    name,
                    id_number: opt(candidate.id_number),
                    phone: opt(candidate.phone),
                    email: opt(candidate.email),
                    group: opt(candidate.group),
                },
            )?;
            Ok(id as u32)
        })
    })
    .await
}

/// A local date-time from a form (`YYYY-MM-DDTHH:MM`) in the machine's zone.
/// A date and time on this machine's clock, as people write it (`2026-12-05 09:00`; a `T` for the
/// space is accepted too).
fn local_time(text: &str) -> Result<OffsetDateTime, ShellError> {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let naive = PrimitiveDateTime::parse(&text.trim().replacen('T', " ", 1), &format)
        .map_err(|_| ShellError::BadLocalTime(text.to_owned()))?;
    Ok(naive.assume_offset(now().offset()))
}

/// Issues invitations and writes their access slips to one PDF in the export folder. The
/// codes go to the PDF only: the page learns where it is and how many it holds.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, fields(count = invite.candidate_ids.len()))]
pub async fn clerk_invite<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    invite: InviteDto,
) -> Result<SlipsDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_invite")?;
    let folder = super::exports::export_folder(window.app_handle(), &state);
    blocking(move || {
        if invite.candidate_ids.is_empty() {
            return Err(ShellError::BadArgument("no candidates".into()));
        }
        let from = local_time(&invite.valid_from)?;
        let until = local_time(&invite.valid_until)?;
        let invitations = flow::reports::Invitations {
            candidate_ids: invite.candidate_ids.iter().map(|&c| i64::from(c)).collect(),
            from_ms: (from.unix_timestamp_nanos() / 1_000_000) as i64,
            until_ms: (until.unix_timestamp_nanos() / 1_000_000) as i64,
            extra_time_pct: invite.extra_time_pct,
            large_text: invite.large_text,
        };
        state.with_session(|vault, s| {
            let (path, count) = flow::reports::issue_invitations(vault, s, &invitations, &folder)?;
            Ok(SlipsDto { path: path.display().to_string(), count: count as u32 })
        })
    })
    .await
}

/// The status board, for one job or all.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn clerk_status<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: Option<u32>,
) -> Result<StatusBoardDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_status")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let b = vault.status_board(s, job_id.map(i64::from))?;
            Ok(StatusBoardDto {
                invited: b.invited as u32,
                checked_in: b.checked_in as u32,
                in_progress: b.in_progress as u32,
                completed: b.completed as u32,
                scored: b.scored as u32,
                reviewed: b.reviewed as u32,
                declined: b.declined as u32,
                scoring_waiting: b.scoring_waiting as u32,
                scoring_failed: b.scoring_failed as u32,
                active: b
                    .active
                    .into_iter()
                    .map(|a| ActiveInterviewDto {
                        interview_id: a.interview_id as u32,
                        candidate_name: a.candidate_name,
                        job_title: a.job_title,
                        state: a.state,
                        device: a.device,
                        answers: a.answers as u32,
                        questions: a.questions as u32,
                        updated_at_ms: a.updated_at_ms as f64,
                    })
                    .collect(),
            })
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dto() -> RubricDto {
        RubricDto {
            key_points: vec![
                KeyPointDto {
                    dimension: "沟通能力".into(),
                    text: "耐心讲解".into(),
                    synonyms: vec!["耐心解释".into(), " ".into()],
                    follow_up_zh: String::new(),
                    follow_up_en: String::new(),
                },
                KeyPointDto {
                    dimension: "服务意识".into(),
                    text: "主动帮助".into(),
                    synonyms: vec![],
                    follow_up_zh: "您会怎样主动帮助他？".into(),
                    follow_up_en: "How would you help him unasked?".into(),
                },
            ],
            levels: vec![
                LevelDto {
                    level: 5, description: "完整".into(), examples: vec!["我耐心解释并主动帮助".into()]
                },
                LevelDto { level: 3, description: String::new(), examples: vec![] },
            ],
            follow_ups: 1,
        }
    }

    #[test]
    fn the_editor_rubric_round_trips_and_empty_rows_are_dropped() {
        let rubric = rubric_from_dto(&dto(), None).unwrap();
        assert_eq!(rubric.key_points[0].id, "k1");
        assert_eq!(rubric.key_points[0].synonyms, ["耐心解释"]);
        assert_eq!(rubric.levels.len(), 1, "the empty level 3 row is not saved");
        let back = rubric_dto(&rubric);
        assert_eq!(back.key_points[1].text, "主动帮助");
        // The follow-up and the number allowed survive the round trip; a half-written one is refused.
        assert_eq!((back.follow_ups, back.key_points[1].follow_up_en.as_str()), (1, "How would you help him unasked?"));
        assert!(rubric.key_points[0].follow_up.is_none());
        let mut half = dto();
        half.key_points[0].follow_up_zh = "怎样讲解？".into();
        assert!(rubric_from_dto(&half, None).is_err());
        let mut many = dto();
        many.follow_ups = 3;
        assert!(rubric_from_dto(&many, None).is_err());
        let mut bad = dto();
        bad.levels[0].level = 7;
        assert_eq!(interview::UserFacing::code(&rubric_from_dto(&bad, None).unwrap_err()), "scoring.rubric");
        bad = dto();
        bad.key_points[0].text = "  ".into();
        assert!(rubric_from_dto(&bad, None).is_err());
    }

    #[test]
    fn a_typed_answer_is_scored_with_its_evidence() {
        let rubric = rubric_from_dto(&dto(), None).unwrap();
        let scores = flow::scoring::try_rubric(&rubric, "我会耐心解释政策，然后主动帮助他办理。", Lang::ZhCn);
        assert_eq!(scores.len(), 2);
        assert!(scores.iter().all(|d| d.evidence.iter().all(|e| e.covered)), "{scores:?}");
        let none = flow::scoring::try_rubric(&rubric, "不知道", Lang::ZhCn);
        assert!(none.iter().all(|d| d.level < scores[0].level));
    }

    #[test]
    fn form_times_are_read_in_the_local_zone() {
        assert_eq!(local_time("2026-12-02 09:30").unwrap(), local_time("2026-12-02T09:30").unwrap());
        let t = local_time("2026-12-02T09:30").unwrap();
        assert_eq!((t.hour(), t.minute()), (9, 30));
        assert!(local_time("tomorrow").is_err());
    }
}
