//! Follow-up records of an answer: stored once per ordinal while the answer records, in their
//! shape or refused with nothing written; read back by scoring (where each follow-up's audio
//! starts), by the review and reports (from when in the recording), and purged by retention
//! down to what was asked.

use interview::follow_up::{FollowUpDecision, FollowUpOutcome, StoredFollowUp};
use interview::stored::StoredLine;
use interview::{InterviewEvent, UserFacing};
use vault::{NewSegment, SegmentPart};

use super::{Fixture, raw};

const DAY: i64 = 86_400_000;

fn segment(f: &mut Fixture, answer: i64, index: u32) {
    let wav = vec![0u8; 64];
    let part = SegmentPart {
        kind: "audio",
        format: vault::media_format::WAV_16K,
        offset_ms: i64::from(index) * 2000,
        duration_ms: 2000,
        bytes: &wav,
    };
    f.vault.store_segment(&f.kiosk, answer, &NewSegment { index, parts: vec![part] }).unwrap();
}

fn decision() -> FollowUpDecision {
    FollowUpDecision {
        missing: vec!["escalate".into(), "listen".into()],
        transcript: vec![StoredLine {
            start_ms: 0,
            end_ms: 4000,
            text: "我会先请他坐下".into(),
            avg_logprob: Some(-0.4),
            no_speech_prob: Some(0.02),
        }],
        segments: 2,
        recorded: 2,
        waited_ms: 800,
    }
}

fn asked(ordinal: u8, first_segment: u32, decision: Option<FollowUpDecision>) -> StoredFollowUp {
    StoredFollowUp {
        ordinal,
        outcome: FollowUpOutcome::Asked,
        key_point: Some(if ordinal == 1 { "escalate" } else { "listen" }.into()),
        question: Some("如果当场解决不了，您会怎么做？".into()),
        first_segment: Some(first_segment),
        decision,
    }
}

fn rows(f: &Fixture) -> i64 {
    raw(&f.db_path(), &f.key()).query_row("SELECT COUNT(*) FROM answer_follow_ups", [], |r| r.get(0)).unwrap()
}

#[test]
fn follow_up_records_are_kept_in_their_shape_once_and_map_to_the_recording() {
    let mut f = Fixture::new();
    let (interview, answer) = f.answer();
    segment(&mut f, answer, 0);
    segment(&mut f, answer, 1);
    f.vault.record_follow_up(&f.kiosk, answer, &asked(1, 2, Some(decision()))).unwrap();
    segment(&mut f, answer, 2);
    f.vault.record_follow_up(&f.kiosk, answer, &asked(2, 3, None)).unwrap();
    segment(&mut f, answer, 3);

    // Malformed records change nothing: a second decision, an asked one without its key point,
    // a non-asked one past the first, the same ordinal twice, an ordinal past the maximum.
    let before = rows(&f);
    let bad = [
        asked(2, 3, Some(decision())),
        StoredFollowUp { key_point: None, ..asked(1, 2, Some(decision())) },
        StoredFollowUp {
            outcome: FollowUpOutcome::Late,
            key_point: None,
            question: None,
            first_segment: None,
            ..asked(2, 3, None)
        },
        asked(1, 2, Some(decision())),
        asked(3, 4, None),
    ];
    for record in &bad {
        let error = f.vault.record_follow_up(&f.kiosk, answer, record).unwrap_err();
        assert_eq!(error.code(), "vault.bad_follow_up", "{record:?}");
    }
    assert_eq!(rows(&f), before);
    // Only a kiosk records them.
    assert_eq!(f.vault.record_follow_up(&f.clerk, answer, &asked(2, 3, None)).unwrap_err().code(), "auth.denied");

    let stored = f.vault.answer_follow_ups(answer).unwrap();
    assert_eq!(stored, [asked(1, 2, Some(decision())), asked(2, 3, None)]);

    f.vault.finish_answer(&f.kiosk, answer, true).unwrap();
    // A closed answer takes no more.
    let late = StoredFollowUp { ordinal: 2, ..asked(2, 3, None) };
    assert_eq!(f.vault.record_follow_up(&f.kiosk, answer, &late).unwrap_err().code(), "vault.answer_closed");

    // Scoring: the follow-ups start at the answer's third and fourth audio files.
    let (_, answers) = f.vault.interview_answers_for_scoring(interview).unwrap();
    let starts: Vec<(String, usize)> =
        answers[0].follow_ups.iter().map(|a| (a.key_point.clone(), a.first_audio)).collect();
    assert_eq!(starts, [("escalate".to_owned(), 2), ("listen".to_owned(), 3)]);

    // The review and the reports: from when in the recording.
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::Finish).unwrap();
    let record = f.vault.interview_record(&f.clerk, interview).unwrap();
    let at: Vec<Option<i64>> = record.answers[0].follow_ups.iter().map(|r| r.start_ms).collect();
    assert_eq!(at, [Some(4000), Some(6000)]);

    // Retention keeps what was asked and drops the transcript it was decided on.
    f.vault.advance_interview(&f.clerk, interview, InterviewEvent::Score).unwrap();
    f.vault.advance_interview(&f.clerk, interview, InterviewEvent::Review).unwrap();
    f.clock.advance(400 * DAY);
    f.vault.run_retention_job().unwrap();
    let purged = f.vault.answer_follow_ups(answer).unwrap();
    assert_eq!(purged.len(), 2);
    assert_eq!(purged[0].key_point.as_deref(), Some("escalate"));
    assert!(purged.iter().all(|r| r.decision.is_none()), "{purged:?}");
}
