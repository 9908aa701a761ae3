#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
//! Speech recognition end to end on real models: spoken test sentences are made with espeak-ng
//! (installed by installer/setup.sh), transcribed by the converted Whisper through the pinned
//! ONNX Runtime, and compared with the text that was spoken.

use std::path::Path;
use std::process::Command;

use interview::Lang;
use scoring::Runtime;
use scoring::audio::Audio;
use scoring::whisper::{Decoding, Fallback, Whisper, WhisperAssets};

/// Speaks `text` with espeak-ng voice `voice` into a WAV file.
fn speak(dir: &Path, voice: &str, text: &str) -> Audio {
    let path = dir.join("speech.wav");
    let status =
        Command::new("espeak-ng").args(["-v", voice, "-s", "150", "-w"]).arg(&path).arg(text).status().unwrap();
    assert!(status.success(), "espeak-ng failed (installer/setup.sh installs it)");
    Audio::read_wav(&path).unwrap()
}

/// Word error rate: edit distance over words / reference length.
fn wer(reference: &str, hypothesis: &str) -> f64 {
    let (edits, words) = scoring::eval::errors(reference, hypothesis, Lang::En);
    edits as f64 / words as f64
}

/// Whisper with the default (int8) models.
fn whisper() -> Whisper {
    whisper_with(interview::RecognitionModels::default())
}

fn whisper_with(models: interview::RecognitionModels) -> Whisper {
    let runtime = Runtime::load(manifest::AssetStore::locate().unwrap()).unwrap();
    Whisper::load(&runtime, WhisperAssets::of(models), 2).unwrap()
}

/// A prompt is encoded as Whisper's own tokenizer would: it decodes back to the same text, in
/// fewer tokens than bytes (the merges applied), with the ids an independent implementation gives.
#[test]
fn text_is_encoded_with_the_vocabularys_merges() {
    let store = manifest::AssetStore::locate().unwrap();
    let tokenizer = scoring::tokenizer::Tokenizer::load(&store.verify("whisper-tokenizer").unwrap().path).unwrap();
    for text in [
        " A citizen at the counter is upset and shouting. What do you do?",
        " 窗口前有群众情绪激动，大声喧哗，你会怎么处理？",
    ] {
        let tokens = tokenizer.encode(text);
        assert_eq!(tokenizer.decode(&tokens), text);
        assert!(tokens.len() < text.len(), "{} tokens for {} bytes", tokens.len(), text.len());
        assert!(tokens.iter().all(|&t| tokenizer.is_text(t)));
    }
    // The ids Hugging Face's `tokenizers` 0.23.3 gives for the same text and tokenizer.json.
    assert_eq!(
        tokenizer.encode(" A citizen at the counter is upset and shouting. What do you do?"),
        [316, 13326, 412, 220, 3322, 5682, 307, 8340, 293, 20382, 13, 708, 360, 291, 360, 30]
    );
    assert_eq!(tokenizer.encode("Hello world's  end!! 2024年"), [15947, 1002, 311, 220, 917, 1432, 45237, 5157]);
}

/// Both choices of recognition models load (verified against the manifest first) and hear clear
/// speech equally well; the int8 ones are the default and say so in the version kept with scores.
#[test]
fn int8_and_float_models_load_and_hear_clear_speech_alike() {
    use interview::RecognitionModels;
    let dir = tempfile::tempdir().unwrap();
    let reference = "I would stay calm, listen carefully to the complaint and explain the procedure.";
    let audio = speak(dir.path(), "en-us", reference);
    for models in RecognitionModels::ALL {
        let mut whisper = whisper_with(models);
        let text: String = whisper.transcribe(&audio, Lang::En).unwrap().iter().map(|s| s.text.as_str()).collect();
        let error = wer(reference, &text);
        println!("{models}: {text:?} WER {error:.2} ({})", whisper.version);
        assert!(error <= 0.2, "{models}: WER {error:.2}: {text:?}");
        assert_eq!(whisper.version.contains("int8"), models == RecognitionModels::Int8, "{}", whisper.version);
    }
    assert_eq!(RecognitionModels::default(), RecognitionModels::Int8);
}

/// The demo's first sample answer (espeak-ng's Mandarin) makes greedy decoding loop
/// ("契利可靠, 契利可靠, …" in one-second segments). The loop is cut and the window decoded
/// again by seeded sampling; whatever is kept holds no loop, the rest of the answer is still
/// transcribed, and the same audio gives the same transcript every time.
#[test]
fn a_window_whose_greedy_decoding_loops_is_decoded_again_the_same_way_every_time() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../assets/samples/demo");
    let audio = Audio::read_wav(&root.join("q1.wav")).unwrap();
    let mut whisper = whisper();
    whisper.decoding = Decoding { fallback: Fallback::Off, ..Decoding::default() };
    whisper.transcribe(&audio, Lang::ZhCn).unwrap();
    assert!(whisper.stats.repetitions_cut >= 1, "greedy decoding no longer loops here: {:?}", whisper.stats);
    assert_eq!(whisper.stats.fallbacks, 0);

    whisper.decoding = Decoding::default();
    let first = whisper.transcribe(&audio, Lang::ZhCn).unwrap();
    let stats = whisper.stats;
    assert_eq!(stats.fallbacks, 1, "{stats:?}");
    let texts: Vec<&str> = first.iter().map(|s| s.text.trim()).collect();
    println!("{texts:?} {stats:?}");
    assert!(!texts.is_empty());
    for text in &texts {
        let times = texts.iter().filter(|t| *t == text).count();
        assert!(times < 3, "{text:?} {times} times: {texts:?}");
    }
    assert!(scoring::whisper::compression_ratio(&texts.concat()) <= 2.4, "{texts:?}");
    // What was said after the loop is still transcribed: decoding goes on after the cut.
    let end = first.last().map_or(0, |s| u64::from(s.end_ms));
    assert!(end * 10 >= audio.duration_ms() * 8, "the transcript stops at {end} ms of {}", audio.duration_ms());
    assert_eq!(whisper.transcribe(&audio, Lang::ZhCn).unwrap(), first, "fallback decoding is not reproducible");
}

#[test]
fn english_speech_is_transcribed_with_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let reference = "Good morning. I would first listen carefully to the citizen, stay calm, and explain the procedure step by step.";
    let audio = speak(dir.path(), "en-us", reference);
    let mut whisper = whisper();
    let segments = whisper.transcribe(&audio, Lang::En).unwrap();
    let text: String = segments.iter().map(|s| s.text.as_str()).collect();
    let error = wer(reference, &text);
    println!("{text:?} WER {error:.2}");
    assert!(error <= 0.2, "WER {error:.2}: {text:?}");
    let last = segments.last().unwrap();
    assert!(segments.windows(2).all(|w| w[0].start_ms <= w[1].start_ms));
    assert!(u64::from(last.end_ms) <= audio.duration_ms() + 1000, "{segments:?}");
    // Deterministic: the same audio gives the same transcript.
    assert_eq!(whisper.transcribe(&audio, Lang::En).unwrap(), segments);
    // Clear synthetic speech is heard with confidence: every segment carries Whisper's own
    // measures, in range, and none is below the thresholds that mark a quote uncertain.
    for segment in &segments {
        let c = segment.confidence.expect("a heard segment has its confidence");
        assert!(c.avg_logprob <= 0.0 && c.avg_logprob > -5.0, "{segment:?}");
        assert!((0.0..=1.0).contains(&c.no_speech_prob), "{segment:?}");
        assert!(!c.is_low(), "clear speech marked uncertain: {segment:?}");
    }
}

/// Silence (noise without speech) is what "no speech" is for: whatever recognition makes of it
/// is marked uncertain, so a key point "found" there cannot carry a level unmarked.
#[test]
fn what_recognition_makes_of_noise_is_marked_uncertain() {
    let samples: Vec<f32> =
        (0..16_000 * 6).map(|i: u32| ((i.wrapping_mul(2_654_435_761) >> 16) as f32 / 65_536.0 - 0.5) * 0.02).collect();
    let audio = scoring::audio::Audio { samples };
    let segments = whisper().transcribe(&audio, Lang::ZhCn).unwrap();
    println!("{segments:?}");
    assert!(segments.iter().all(|s| s.confidence.is_some_and(|c| c.is_low())), "{segments:?}");
}

#[test]
fn mandarin_speech_comes_out_in_simplified_characters() {
    let dir = tempfile::tempdir().unwrap();
    // 我会先请他到旁边坐下，认真倾听。 (espeak-ng's Mandarin dictionary lacks most characters, so it
    // is given tone-numbered pinyin.)
    let audio = speak(
        dir.path(),
        "cmn-latn-pinyin",
        "wo3 hui4 xian1 qing3 ta1 dao4 pang2 bian1 zuo4 xia4, ren4 zhen1 qing1 ting1.",
    );
    let segments = whisper().transcribe(&audio, Lang::ZhCn).unwrap();
    let text: String = segments.iter().map(|s| s.text.as_str()).collect();
    println!("{text:?}");
    let hanzi = text.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).count();
    assert!(hanzi >= 5, "expected Chinese characters: {text:?}");
    assert_eq!(scoring::chinese::to_simplified(&text), text);
}

fn scorer() -> scoring::Scorer {
    let runtime = Runtime::load(manifest::AssetStore::locate().unwrap()).unwrap();
    scoring::Scorer::load(&runtime, interview::RecognitionModels::default(), 2).unwrap()
}

const RUBRIC_EN: &str = r#"{
    "key_points": [
        {"id": "listen", "dimension": "communication", "text": "listen carefully", "synonyms": ["hear them out"]},
        {"id": "calm", "dimension": "composure", "text": "stay calm", "synonyms": ["keep calm"]},
        {"id": "explain", "dimension": "communication", "text": "explain the procedure"},
        {"id": "escalate", "dimension": "composure", "text": "call the supervisor"}
    ],
    "levels": [{"level": 5, "examples": ["I would listen carefully, stay calm, explain the procedure and call the supervisor if needed"]}]
}"#;

#[test]
fn an_answer_is_scored_with_evidence_timed_in_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    let audio = speak(
        dir.path(),
        "en-us",
        "Good morning. I would first listen carefully to the citizen, stay calm, and explain the procedure step by step.",
    );
    let rubric = scoring::rubric::Rubric::parse(RUBRIC_EN).unwrap();
    let result = scorer().score_answer(&audio, &rubric, Lang::En).unwrap();
    assert!(!result.withheld && result.flags.is_empty(), "{:?}", result.flags);
    assert!(result.delivery.speaking_ms > 3000 && result.delivery.speech_rate > 60.0, "{:?}", result.delivery);
    let communication = result.dimensions.iter().find(|d| d.dimension == "communication").unwrap();
    assert_eq!(communication.coverage, 1.0, "{communication:?}");
    let composure = result.dimensions.iter().find(|d| d.dimension == "composure").unwrap();
    assert_eq!(composure.coverage, 0.5, "{composure:?}");
    assert!(communication.level > composure.level);
    for evidence in communication.evidence.iter().filter(|e| e.covered) {
        assert!(!evidence.quote.is_empty() && u64::from(evidence.end_ms) <= audio.duration_ms() + 1000, "{evidence:?}");
    }
}

#[test]
fn silence_gets_the_no_speech_flag_and_no_score() {
    let audio = Audio { samples: vec![0.0; 16_000 * 5] };
    let rubric = scoring::rubric::Rubric::parse(RUBRIC_EN).unwrap();
    let result = scorer().score_answer(&audio, &rubric, Lang::En).unwrap();
    assert!(result.withheld);
    assert_eq!(result.flags, [scoring::Flag::NoSpeech]);
    assert!(result.dimensions.is_empty() && result.transcript.is_empty());
}

#[test]
fn a_damaged_recording_is_a_clear_error() {
    use interview::UserFacing;
    let dir = tempfile::tempdir().unwrap();
    let audio = speak(dir.path(), "en-us", "hello");
    let path = dir.path().join("speech.wav");
    let bytes = std::fs::read(&path).unwrap();
    assert!(!audio.samples.is_empty());
    let err = Audio::from_wav_bytes(&bytes[..20], "answer 2").unwrap_err();
    assert_eq!(err.code(), "scoring.audio");
    assert!(err.user_message().en.contains("answer 2"));
}

#[test]
fn an_answer_in_another_language_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let audio = speak(dir.path(), "en-us", "I would listen carefully to the citizen and explain the procedure.");
    let rubric = scoring::rubric::Rubric::parse(RUBRIC_EN).unwrap();
    // Scored for a Chinese-language job, the English answer gets the wrong-language flag.
    let result = scorer().score_answer(&audio, &rubric, Lang::ZhCn).unwrap();
    assert!(
        result.flags.iter().any(|f| matches!(f, scoring::Flag::WrongLanguage { detected, .. } if detected == "en")),
        "{:?}",
        result.flags
    );
}

#[test]
fn faces_are_counted_on_stills_and_flagged_for_review() {
    use scoring::faces::{FaceDetector, Still, still_flags};
    let store = manifest::AssetStore::locate().unwrap();
    let runtime = Runtime::load(manifest::AssetStore::locate().unwrap()).unwrap();
    let mut detector = FaceDetector::load(&runtime).unwrap();
    let load = |name: &str| {
        let path = store.location().dir.join(&store.manifest().get(name).unwrap().file);
        FaceDetector::decode(&std::fs::read(path).unwrap(), name).unwrap()
    };
    let astronaut = load("fixture-astronaut");
    let coffee = load("fixture-coffee");
    let faces = detector.detect(&astronaut).unwrap();
    assert_eq!(faces.len(), 1, "{faces:?}");
    // The astronaut's face is in the upper middle of the 512×512 photo.
    let f = faces[0];
    assert!(f.x > 100.0 && f.x + f.width < 400.0 && f.y > 0.0 && f.y + f.height < 300.0, "{f:?}");
    let none = detector.detect(&coffee).unwrap();
    assert!(none.is_empty(), "{none:?}");
    // Two people side by side.
    let mut pair = image::RgbImage::new(1024, 512);
    image::imageops::replace(&mut pair, &astronaut, 0, 0);
    image::imageops::replace(&mut pair, &astronaut, 512, 0);
    assert_eq!(detector.detect(&pair).unwrap().len(), 2);

    let stills = [
        Still { at_ms: 1000, media_id: Some(7), image: astronaut },
        Still { at_ms: 6000, media_id: Some(8), image: coffee },
        Still { at_ms: 11_000, media_id: Some(9), image: pair },
    ];
    let flags = still_flags(&mut detector, &stills).unwrap();
    assert_eq!(
        flags,
        [
            scoring::Flag::FaceAbsent { at_ms: 6000, media_id: Some(8) },
            scoring::Flag::MultipleFaces { at_ms: 11_000, media_id: Some(9), count: 2 }
        ]
    );
    assert!(FaceDetector::decode(b"not an image", "still 3").is_err());
}

#[test]
fn progress_goes_through_every_stage_in_order() {
    use scoring::{Progress, Stage};
    let dir = tempfile::tempdir().unwrap();
    let audio = speak(dir.path(), "en-us", "I would stay calm and call the supervisor.");
    let rubric = scoring::rubric::Rubric::parse(RUBRIC_EN).unwrap();
    let mut seen: Vec<Progress> = Vec::new();
    scorer().score_answer_with_progress(&audio, &rubric, Lang::En, None, &mut |p| seen.push(p)).unwrap();
    let stages: Vec<Stage> =
        seen.iter().map(|p| p.stage).collect::<Vec<_>>().into_iter().fold(Vec::new(), |mut v, s| {
            if v.last() != Some(&s) {
                v.push(s);
            }
            v
        });
    assert_eq!(stages, [Stage::VoiceActivity, Stage::SpeechRecognition, Stage::Rubric, Stage::Done]);
    assert!(seen.iter().any(|p| p.stage == Stage::SpeechRecognition && p.percent == 100), "{seen:?}");
    assert_eq!(seen.last(), Some(&Progress { stage: Stage::Done, percent: 100 }));
}

/// A model file that does not match its pinned checksum, or is missing, is refused before ONNX
/// Runtime sees it, with a sentence that names the file and says how to get it back.
#[test]
fn a_damaged_or_missing_model_is_refused_naming_the_file() {
    use interview::UserFacing;
    let real = manifest::AssetStore::locate().unwrap();
    let copy = tempfile::tempdir().unwrap();
    for asset in &real.manifest().assets {
        let from = real.location().dir.join(&asset.file);
        if from.exists() {
            std::os::unix::fs::symlink(&from, copy.path().join(&asset.file)).unwrap();
        }
    }
    let location = manifest::Location { manifest: real.location().manifest.clone(), dir: copy.path().to_owned() };
    let runtime = Runtime::load(manifest::AssetStore::open(location.clone()).unwrap()).unwrap();
    for models in interview::RecognitionModels::ALL {
        let file = format!("{}.onnx", scoring::whisper::WhisperAssets::of(models).encoder);
        let encoder = copy.path().join(&file);
        let mut bytes = std::fs::read(&encoder).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::remove_file(&encoder).unwrap();
        std::fs::write(&encoder, &bytes).unwrap();

        let Err(error) = scoring::Scorer::load(&runtime, models, 2) else { panic!("a damaged {file} must be refused") };
        assert_eq!(error.code(), "assets.mismatch");
        let message = error.user_message();
        assert!(message.en.contains(&file) && message.en.contains("reinstall"), "{message:?}");
        assert!(message.zh_cn.contains(&file), "{message:?}");

        std::fs::remove_file(&encoder).unwrap();
        let Err(error) = scoring::Scorer::load(&runtime, models, 2) else { panic!("a missing {file} must be refused") };
        assert_eq!(error.code(), "assets.missing");
        assert!(error.user_message().en.contains(&file), "{:?}", error.user_message());
    }
}

/// What ONNX Runtime's telemetry leaves for `home` (device id, event queue), if anything.
fn telemetry_files(home: &Path) -> Vec<String> {
    let dir = scoring::runtime::telemetry_cache_dir(None, Some(home.as_os_str())).unwrap();
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned())).collect())
        .unwrap_or_default()
}

/// Set in the child processes of the telemetry tests: what the child does.
const CHILD: &str = "SCORING_TELEMETRY_CHILD";

/// Runs `test` of this binary again in a child process acting as `role`, with its own $HOME and
/// the telemetry switch set to `switch` (None: absent), as a test cannot change its own
/// process's environment. The child has no network at all (`unshare -rn`: its own user and
/// network namespace), so the telemetry it may start cannot reach anyone.
///
/// The child starts from an empty environment, as an agency's desktop session would look to the
/// library: the pinned ONNX Runtime keeps its telemetry quiet when it sees a CI system's
/// variable (`CI`, `GITHUB_ACTIONS`, `TF_BUILD`, `JENKINS_URL`, … — see the model card), so a
/// child that inherited the CI runner's environment would prove nothing about a real machine.
fn child(test: &str, role: &str, home: &Path, switch: Option<&str>) {
    let mut command = Command::new("unshare");
    command.env_clear();
    for kept in ["PATH", "RUST_BACKTRACE", manifest::MANIFEST_ENV, manifest::ASSETS_DIR_ENV] {
        if let Some(value) = std::env::var_os(kept) {
            command.env(kept, value);
        }
    }
    command
        .args(["-rn", "--"])
        .arg(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture"])
        .env(CHILD, role)
        .env("HOME", home);
    if let Some(value) = switch {
        command.env(scoring::runtime::TELEMETRY_OPT_OUT.0, value);
    }
    let output = command.output().expect("unshare (util-linux) runs the child without a network");
    assert!(
        output.status.success(),
        "{test} as {role}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The pinned library's telemetry is alive unless the switch is set before it initialises: with
/// the switch off, initialising it writes a device id and an event queue under $HOME (the sign
/// that it would upload them); with the switch on, nothing. If a future ONNX Runtime stopped
/// writing them, the first half fails, and the zero-egress test's file check would need another
/// sign of life.
#[test]
fn telemetry_files_appear_only_without_the_switch() {
    if std::env::var_os(CHILD).is_some() {
        // The child: the library initialised by hand, bypassing `Runtime::load`'s check.
        let store = manifest::AssetStore::locate().unwrap();
        let library = store.verify("onnxruntime").unwrap();
        let env =
            ort::init_from(&library.path).unwrap().with_name("telemetry-probe").with_telemetry(false).build().unwrap();
        let model = store.verify("silero-vad").unwrap();
        let _session = ort::session::Session::builder(&env).unwrap().commit_from_file(&model.path).unwrap();
        return;
    }
    let test = "telemetry_files_appear_only_without_the_switch";
    let home = tempfile::tempdir().unwrap();
    child(test, "direct", home.path(), None);
    let files = telemetry_files(home.path());
    assert!(files.iter().any(|f| f == "deviceid"), "no device id without the switch: {files:?}");

    let home = tempfile::tempdir().unwrap();
    child(test, "direct", home.path(), Some("1"));
    assert_eq!(telemetry_files(home.path()), Vec::<String>::new(), "telemetry files with the switch on");
}

/// Without the switch, `Runtime::load` refuses (naming it) and never initialises the library.
#[test]
fn telemetry_switch_missing_means_the_runtime_is_not_loaded() {
    if std::env::var_os(CHILD).is_some() {
        let error = Runtime::load(manifest::AssetStore::locate().unwrap()).unwrap_err();
        assert!(matches!(error, scoring::ScoringError::TelemetryNotDisabled { .. }), "{error}");
        assert!(error.to_string().contains("ORT_DISABLE_TELEMETRY"), "{error}");
        return;
    }
    for switch in [None, Some("0")] {
        let home = tempfile::tempdir().unwrap();
        child("telemetry_switch_missing_means_the_runtime_is_not_loaded", "runtime", home.path(), switch);
        assert_eq!(telemetry_files(home.path()), Vec::<String>::new(), "telemetry files after a refusal ({switch:?})");
    }
}
