//! `interview-kiosk score-file WAV --rubric FILE --language zh|en`: scores one recorded answer
//! against a rubric and prints the transcript, each dimension with its evidence, the delivery
//! metrics, the flags and the time per stage. HR staff use it to try a rubric; the demo prints
//! the same report.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use flow::scoring::{QueueEvent, drain_queue, load_scorer, read_rubric, score_interview};
use interview::Lang;
use scoring::audio::Audio;
use scoring::{AnswerResult, Flag, InterviewScore};

use crate::error::ShellError;
use crate::selftest::t;

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Score this completed interview now, all answers at once.
    #[arg(long, value_name = "ID", conflicts_with = "queue", required_unless_present = "queue")]
    interview: Option<i64>,
    /// Work through the scoring queue (answers as they were committed, then totals) until it is empty.
    #[arg(long)]
    queue: bool,
    /// The member of staff starting the scoring (scores are recorded by the system).
    #[arg(long, value_name = "USER")]
    user: String,
}

#[derive(Debug, Args)]
pub struct FollowUpsArgs {
    /// The interview whose follow-up decisions are made again.
    #[arg(long, value_name = "ID")]
    interview: i64,
    /// The member of staff (a clerk, auditor or administrator) checking them.
    #[arg(long, value_name = "USER")]
    user: String,
}

/// `interview-kiosk follow-ups --interview ID --user NAME`: each stored follow-up decision made
/// again from the recording (the same chunks of audio through the same recogniser, the frozen
/// rubric's rule) and compared with what the kiosk stored. `Ok(false)` when one differs.
pub fn run_follow_ups(args: FollowUpsArgs, data_dir: &Path, lang: Lang) -> Result<bool, ShellError> {
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &args.user, lang)?;
    let mut whisper = flow::follow_up::load_whisper(vault.recognition_models()?)?;
    let again = flow::follow_up::reproduce(&mut vault, &session, &mut whisper, args.interview)?;
    if again.is_empty() {
        println!("{}", t(lang, "这场面试没有追问决定。", "This interview has no follow-up decisions."));
    }
    for r in &again {
        let heard: String = r.transcript.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(" ");
        println!(
            "{} {} ({} {}): {} {}{}",
            t(lang, "回答", "answer"),
            r.answer_id,
            t(lang, "题目", "question"),
            r.question_id,
            t(lang, "存储的决定", "stored decision"),
            r.stored.outcome.as_str(),
            if r.stored_asks.is_empty() { String::new() } else { format!(" [{}]", r.stored_asks.join(", ")) },
        );
        println!("  {} {heard}", t(lang, "重新转写：", "transcribed again:"));
        if let Some(choice) = &r.choice {
            println!(
                "  {} {} [{}]; {} [{}]",
                t(lang, "重新决定：", "decided again:"),
                choice.outcome().as_str(),
                choice.asks.join(", "),
                t(lang, "缺失要点", "missing"),
                choice.missing.join(", ")
            );
        }
        println!(
            "  {}",
            if r.same {
                t(
                    lang,
                    "一致：同样的录音、同样的规则得出同样的决定。",
                    "same: the recording and the rule give the stored decision.",
                )
            } else {
                t(
                    lang,
                    "不一致：请检查模型或录音是否有变化。",
                    "DIFFERENT: check whether the models or the recording changed.",
                )
            }
        );
    }
    Ok(again.iter().all(|r| r.same))
}

/// `interview-kiosk score (--interview ID | --queue) --user NAME`.
pub fn run_interview(args: ScoreArgs, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &args.user, lang)?;
    vault.authorize(&session, interview::Action::ViewInterviews)?;
    let (mut scorer, _) = load_scorer(vault.recognition_models()?)?;
    match args.interview {
        Some(interview) => {
            let (answers, total) = score_interview(&mut vault, &session, &mut scorer, interview)?;
            for (info, result) in &answers {
                println!("{} {}", t(lang, "题目：", "question:"), info.question_text);
                print_answer(result, lang);
            }
            print_total(&total, lang);
        }
        None => {
            let done = drain_queue(&mut vault, &mut scorer, |event| match event {
                QueueEvent::AnswerScored { answer, result } => {
                    println!("{} {}", t(lang, "题目：", "question:"), answer.question_text);
                    print_answer(result, lang);
                }
                QueueEvent::TotalScored { interview_id, score } => {
                    println!("{} {interview_id}:", t(lang, "面试", "interview"));
                    print_total(score, lang);
                }
                QueueEvent::Progress { job, progress } => {
                    if std::io::stderr().is_terminal() {
                        #[allow(clippy::print_stderr)] // the edge: a progress line for the operator
                        {
                            eprint!("\r  job {}: {:?} {:>3}%   ", job.id, progress.stage, progress.percent);
                        }
                    }
                }
                QueueEvent::Failed { job, code } => {
                    println!("{} {}: {code}", t(lang, "评分任务失败", "scoring job failed"), job.id)
                }
            })?;
            let (waiting, failed) = vault.scoring_queue_counts()?;
            println!(
                "{done} {}; {waiting} {}, {failed} {}",
                t(lang, "个评分任务完成", "scoring jobs done"),
                t(lang, "个等待", "waiting"),
                t(lang, "个失败待人工处理", "failed and left for a person")
            );
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct ScoreFileArgs {
    /// The recorded answer (WAV, any rate and channels).
    wav: PathBuf,
    /// The question's rubric (JSON: key points with synonyms, level examples, tuning).
    #[arg(long, value_name = "FILE")]
    rubric: PathBuf,
    /// The language the answer is spoken in (the job's language).
    #[arg(long, value_enum)]
    language: Lang,
    /// The speech recognition models: int8 (the default) or float.
    #[arg(long, value_name = "int8|float", default_value = "int8")]
    models: interview::RecognitionModels,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ScoreFileArgs, lang: Lang) -> Result<(), ShellError> {
    let rubric = read_rubric(&args.rubric)?;
    let audio = Audio::read_wav(&args.wav)?;
    let (mut scorer, load_ms) = load_scorer(args.models)?;
    let result = scorer.score_answer(&audio, &rubric, args.language)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result).map_err(|e| ShellError::Internal(e.to_string()))?);
    } else {
        println!("{} {:.1} s", t(lang, "模型加载：", "models loaded:"), load_ms as f64 / 1000.0);
        print_answer(&result, lang);
    }
    Ok(())
}

fn clock(ms: u32) -> String {
    format!("{}:{:02}.{}", ms / 60_000, ms / 1000 % 60, ms / 100 % 10)
}

/// The human-readable report of one answer.
pub fn answer_report(r: &AnswerResult, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", t(lang, "转写：", "transcript:"));
    for s in &r.transcript {
        let confidence = s
            .confidence
            .map(|c| {
                let low = if c.is_low() { t(lang, "，识别不确定", ", recognition uncertain") } else { "" };
                format!(
                    "  ({} {:.2}, {} {:.2}{low})",
                    t(lang, "平均对数概率", "avg log-prob"),
                    c.avg_logprob,
                    t(lang, "无语音概率", "no speech"),
                    c.no_speech_prob
                )
            })
            .unwrap_or_default();
        let _ = writeln!(out, "  [{} – {}] {}{confidence}", clock(s.start_ms), clock(s.end_ms), s.text.trim());
    }
    if r.withheld {
        let _ = writeln!(
            out,
            "{}",
            t(lang, "未检测到语音：不评分（待人工复核）。", "no speech detected: score withheld (for human review).")
        );
    }
    for d in &r.dimensions {
        let _ = writeln!(
            out,
            "{} {}: {} {:.1}  ({} {:.0}%{})",
            t(lang, "维度", "dimension"),
            d.dimension,
            t(lang, "等级", "level"),
            d.level,
            t(lang, "要点覆盖", "key points covered"),
            d.coverage * 100.0,
            d.closest_example
                .as_ref()
                .map(|e| format!(
                    "; {} {} ({:.2})",
                    t(lang, "最接近的等级范例", "closest level example"),
                    e.level,
                    e.similarity
                ))
                .unwrap_or_default()
        );
        for e in &d.evidence {
            if e.covered {
                let _ = writeln!(
                    out,
                    "    ✓ {} ← “{}” [{} – {}] ({:.2}){}",
                    e.phrasing,
                    e.quote,
                    clock(e.start_ms),
                    clock(e.end_ms),
                    e.similarity,
                    if e.uncertain {
                        t(
                            lang,
                            "  △ 识别不确定，请听录音核实",
                            "  △ recognition uncertain: listen before relying on this",
                        )
                    } else {
                        ""
                    }
                );
            } else {
                let _ = writeln!(out, "    ✗ {} ({})", e.point, t(lang, "未提及", "not mentioned"));
            }
        }
    }
    let dl = &r.delivery;
    let _ = writeln!(
        out,
        "{} {:.1} s / {:.1} s, {:.0} {}, {} {}, {} {}",
        t(lang, "表达指标（仅供参考，不计分）：说话时间", "delivery (shown, not scored): speaking"),
        dl.speaking_ms as f64 / 1000.0,
        dl.duration_ms as f64 / 1000.0,
        dl.speech_rate,
        dl.rate_unit.as_str(),
        dl.long_pauses.len(),
        t(lang, "次长停顿", "long pauses"),
        dl.fillers,
        t(lang, "个语气词", "fillers"),
    );
    for flag in &r.flags {
        let text = match flag {
            Flag::NoSpeech => t(lang, "标记：未检测到语音", "flag: no speech detected").to_owned(),
            Flag::LongSilence { start_ms, end_ms } => format!(
                "{} [{} – {}]",
                t(lang, "标记：长时间沉默", "flag: long silence"),
                clock(*start_ms),
                clock(*end_ms)
            ),
            Flag::FaceAbsent { at_ms, .. } => {
                format!("{} [{}]", t(lang, "标记：画面中没有人脸", "flag: no face in view"), clock(*at_ms))
            }
            Flag::MultipleFaces { at_ms, count, .. } => {
                format!("{} {count} [{}]", t(lang, "标记：画面中人脸数", "flag: faces in view:"), clock(*at_ms))
            }
            Flag::RecognitionUncertain { dimension, start_ms, end_ms } => format!(
                "{} {dimension} [{} – {}]",
                t(
                    lang,
                    "标记：识别不确定，该维度评分仅依据识别不可靠的语句：",
                    "flag: recognition uncertain, the level rests only on poorly heard words:"
                ),
                clock(*start_ms),
                clock(*end_ms)
            ),
            Flag::WrongLanguage { detected, probability, expected_probability } => format!(
                "{} {detected} ({:.0}%; {} {:.0}%)",
                t(lang, "标记：语言可能不符，听起来像", "flag: possibly the wrong language; sounds like"),
                probability * 100.0,
                t(lang, "岗位语言", "the job's language"),
                expected_probability * 100.0
            ),
        };
        let _ = writeln!(out, "{text}");
    }
    let _ = writeln!(
        out,
        "{} VAD {} ms, ASR {} ms, {} {} ms",
        t(lang, "用时：", "time:"),
        r.times.vad_ms,
        r.times.asr_ms,
        t(lang, "评分", "rubric"),
        r.times.rubric_ms
    );
    out
}

pub fn print_answer(r: &AnswerResult, lang: Lang) {
    print!("{}", answer_report(r, lang));
}

/// The interview's result, per dimension and in total.
pub fn total_report(score: &InterviewScore, lang: Lang) -> String {
    let mut out = String::new();
    for d in &score.dimensions {
        let _ = writeln!(
            out,
            "  {} ({}%): {}",
            d.dimension,
            d.weight_bp / 100,
            d.level.map_or_else(|| t(lang, "不评分", "withheld").to_owned(), |l| format!("{l:.1}"))
        );
    }
    let band = score.band.map(|b| match (b, lang) {
        (interview::Band::Recommend, Lang::ZhCn) => "推荐",
        (interview::Band::Hold, Lang::ZhCn) => "待定",
        (interview::Band::NotRecommended, Lang::ZhCn) => "不推荐",
        (interview::Band::Recommend, Lang::En) => "recommend",
        (interview::Band::Hold, Lang::En) => "hold",
        (interview::Band::NotRecommended, Lang::En) => "not recommended",
    });
    let _ = match (score.total, band) {
        (Some(total), Some(band)) => {
            writeln!(out, "  {} {total:.1} / 100 → {band}", t(lang, "加权总分", "weighted total"))
        }
        _ => writeln!(
            out,
            "  {}",
            t(
                lang,
                "总分暂不给出（有维度缺少可评分的回答），待人工复核。",
                "total withheld (a dimension has no scorable answer); for human review."
            )
        ),
    };
    out
}

pub fn print_total(score: &InterviewScore, lang: Lang) {
    print!("{}", total_report(score, lang));
}
