//! Answers and their recordings: an answer begun, recorded in segments, finished or left
//! interrupted; reading media back (playback is audited), and clean-up after a crash.
//!
//! The capture pipeline hands over a few seconds of an answer at a time (video, audio, a still),
//! and each segment is encrypted, fsynced and committed with one audit entry before the next one
//! closes. A crash loses at most the segment in progress; on the next start the answers still
//! marked "recording" are found here and closed as interrupted.

use std::io::{Read, Write};

use interview::{Action, InterviewEvent, InterviewState};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Session, Vault, next_id};
use crate::error::{Result, VaultError};
use crate::media::{self, MediaWriter, StoredMedia};

/// Formats of recorded media (the `format` column).
pub mod format {
    /// 16 kHz mono 16-bit PCM in a WAV container: what scoring reads.
    pub const WAV_16K: &str = "wav/16k";
    /// VP9 video with the microphone's sound in Opus, in WebM: one self-contained file per
    /// segment (it starts on a keyframe and plays alone).
    pub const WEBM_VP9: &str = "webm/vp9";
    /// A proctoring still.
    pub const JPEG: &str = "jpeg";
}

/// One file of a segment.
#[derive(Clone, Copy, Debug)]
pub struct SegmentPart<'a> {
    /// `audio`, `video` or `still`.
    pub kind: &'a str,
    /// One of [`format`].
    pub format: &'a str,
    /// Where this part starts in the answer, on the capture clock.
    pub offset_ms: i64,
    pub duration_ms: i64,
    pub bytes: &'a [u8],
}

/// A closed segment of an answer being recorded.
#[derive(Clone, Debug)]
pub struct NewSegment<'a> {
    /// 0, 1, 2… within the answer, in recording order (a pause starts the next number; a number
    /// whose segment captured nothing is skipped).
    pub index: u32,
    pub parts: Vec<SegmentPart<'a>>,
}

/// A media file of an answer, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MediaInfo {
    pub id: i64,
    pub kind: String,
    pub format: String,
    pub segment: Option<i64>,
    pub offset_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    #[serde(with = "hex_bytes")]
    pub sha256: Vec<u8>,
    pub plain_size: i64,
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }
}

/// An answer left in "recording" (the kiosk stopped while it was being recorded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnfinishedAnswer {
    pub answer_id: i64,
    pub interview_id: i64,
    pub question_id: i64,
    pub started_at_ms: i64,
    pub segments: i64,
}

/// The attempts made at one question of an interview.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attempts {
    pub committed: u32,
    pub interrupted: u32,
    pub recording: u32,
}

impl Vault {
    /// Starts recording an answer to `question_id` in an interview that is in progress. The
    /// question's current rubric version is frozen from here on: scores always refer to the
    /// exact text and rubric the candidate saw.
    pub fn begin_answer(
        &mut self,
        session: &Session,
        interview_id: i64,
        question_id: i64,
        practice: bool,
    ) -> Result<i64> {
        self.authorize(session, Action::RecordAnswer)?;
        let from = self.interview_state(interview_id)?;
        if from != InterviewState::InProgress {
            return Err(interview::RuleError::Transition { from, event: InterviewEvent::Finish }.into());
        }
        let version: i64 = self
            .conn
            .query_row(
                "SELECT qv.id FROM question_versions qv JOIN questions q ON q.id = qv.question_id
                 JOIN interviews v ON v.job_id = q.job_id
                 WHERE qv.question_id = ?1 AND v.id = ?2 ORDER BY qv.version DESC LIMIT 1",
                params![question_id, interview_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "question", id: question_id })?;
        let now = self.now();
        self.write_naming(session, "answer.begin", |tx| {
            let next = next_id(tx, "answers")?;
            let attempt: i64 = tx.query_row(
                "SELECT COALESCE(MAX(attempt), 0) + 1 FROM answers WHERE interview_id = ?1 AND question_version_id = ?2",
                params![interview_id, version],
                |r| r.get(0),
            )?;
            tx.execute("UPDATE question_versions SET frozen = 1 WHERE id = ?1", [version])?;
            tx.execute(
                "INSERT INTO answers (id, interview_id, question_version_id, attempt, practice, state, started_at) VALUES (?1, ?2, ?3, ?4, ?5, 'recording', ?6)",
                params![next, interview_id, version, attempt, practice, now],
            )?;
            Ok((format!("answer:{next}"), next))
        })
    }

    /// Ends the recording of an answer: `committed` keeps it for scoring; otherwise it is
    /// marked interrupted (a camera unplugged, the kiosk restarted) and kept as evidence.
    pub fn finish_answer(&mut self, session: &Session, answer_id: i64, committed: bool) -> Result<()> {
        self.authorize(session, Action::RecordAnswer)?;
        let now = self.now();
        self.check_recording(answer_id)?;
        self.write(session, "answer.finish", &format!("answer:{answer_id}"), |tx| {
            tx.execute(
                "UPDATE answers SET state = ?2, committed_at = ?3 WHERE id = ?1",
                params![answer_id, if committed { "committed" } else { "interrupted" }, now],
            )?;
            let practice: bool =
                tx.query_row("SELECT practice FROM answers WHERE id = ?1", [answer_id], |r| r.get(0))?;
            if committed && !practice {
                // Scored as soon as it is committed; queued in the same transaction.
                tx.execute(
                    "INSERT INTO scoring_jobs (interview_id, answer_id, state, created_at, updated_at)
                     SELECT interview_id, id, 'queued', ?2, ?2 FROM answers WHERE id = ?1",
                    params![answer_id, now],
                )?;
                // A retake replaces the earlier attempt: its scoring job, if still waiting (or
                // failed), is closed as superseded rather than scored.
                tx.execute(
                    "UPDATE scoring_jobs SET state = 'done', error_code = 'superseded', updated_at = ?2
                     WHERE state IN ('queued', 'failed') AND answer_id IN (
                         SELECT a.id FROM answers a
                         JOIN question_versions qv ON qv.id = a.question_version_id
                         JOIN answers this ON this.id = ?1
                         JOIN question_versions tqv ON tqv.id = this.question_version_id
                         WHERE a.interview_id = this.interview_id AND qv.question_id = tqv.question_id AND a.id <> ?1)",
                    params![answer_id, now],
                )?;
            }
            Ok(())
        })
    }

    /// Refuses unless the answer exists and is still being recorded.
    pub(super) fn check_recording(&self, answer_id: i64) -> Result<()> {
        let state: String = self
            .conn
            .query_row("SELECT state FROM answers WHERE id = ?1", [answer_id], |r| r.get(0))
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "answer", id: answer_id })?;
        if state == "recording" { Ok(()) } else { Err(VaultError::AnswerClosed { answer_id }) }
    }

    /// Stores one media file of an answer being recorded from `source` (streamed, encrypted in
    /// chunks) and records it with the next segment number.
    pub fn store_media(
        &mut self,
        session: &Session,
        answer_id: i64,
        kind: &str,
        source: &mut impl Read,
    ) -> Result<i64> {
        self.authorize(session, Action::RecordAnswer)?;
        self.check_recording(answer_id)?;
        let mut writer = MediaWriter::create(&self.paths.media(), &new_file_name())?;
        let mut buf = vec![0u8; media::CHUNK];
        loop {
            let n = source.read(&mut buf).map_err(VaultError::io(&self.paths.media()))?;
            if n == 0 {
                break;
            }
            writer.write(&buf[..n])?;
        }
        let stored = writer.finish(&self.media_key)?;
        let now = self.now();
        let result = self.write_naming(session, "media.store", |tx| {
            let next = next_id(tx, "media")?;
            let seq = next_seq(tx, answer_id)?;
            tx.execute(
                "INSERT INTO media (id, answer_id, kind, seq, file, wrapped_key, sha256, plain_size, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![next, answer_id, kind, seq, stored.file, stored.wrapped_key, stored.sha256.as_slice(), stored.plain_size as i64, now],
            )?;
            Ok((format!("media:{next}"), next))
        });
        if result.is_err() {
            // Without its record the file can never be read; do not leave it behind.
            let _ = std::fs::remove_file(self.paths.media().join(&stored.file));
        }
        result
    }

    /// Stores one closed segment: every part is encrypted to its own file and fsynced, then all
    /// rows and one audit entry are committed together. If anything fails nothing is recorded
    /// and the files are removed; the answer stays open for the next segment.
    pub fn store_segment(&mut self, session: &Session, answer_id: i64, segment: &NewSegment<'_>) -> Result<Vec<i64>> {
        self.authorize(session, Action::RecordAnswer)?;
        self.check_recording(answer_id)?;
        let media_dir = self.paths.media();
        let mut stored = Vec::with_capacity(segment.parts.len());
        let cleanup = |stored: &[crate::media::StoredMedia]| {
            for s in stored {
                let _ = std::fs::remove_file(media_dir.join(&s.file));
            }
        };
        for part in &segment.parts {
            let written = MediaWriter::create(&media_dir, &new_file_name())
                .and_then(|mut w| w.write(part.bytes).map(|()| w))
                .and_then(|w| w.finish(&self.media_key));
            match written {
                Ok(s) => stored.push(s),
                Err(error) => {
                    cleanup(&stored);
                    return Err(error);
                }
            }
        }
        let now = self.now();
        let object = format!("answer:{answer_id}/segment:{}", segment.index);
        let result = self.write(session, "media.segment", &object, |tx| {
            let first = super::next_id(tx, "media")?;
            let seq = next_seq(tx, answer_id)?;
            let mut ids = Vec::with_capacity(stored.len());
            for (i, (part, s)) in segment.parts.iter().zip(&stored).enumerate() {
                let (id, seq) = (first + i as i64, seq + i as i64);
                tx.execute(
                    "INSERT INTO media (id, answer_id, kind, seq, file, wrapped_key, sha256, plain_size, created_at, segment, offset_ms, duration_ms, format)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    params![
                        id, answer_id, part.kind, seq, s.file, s.wrapped_key, s.sha256.as_slice(), s.plain_size as i64, now,
                        segment.index, part.offset_ms, part.duration_ms, part.format
                    ],
                )?;
                ids.push(id);
            }
            Ok(ids)
        });
        if result.is_err() {
            cleanup(&stored);
        }
        result
    }

    /// Writes an audit entry for something the capture pipeline saw during an answer: a device
    /// lost or back, an answer paused or resumed, a recording recovered after a restart.
    /// `event` is a short name (`device_lost`, `device_back`, …); it is recorded as `capture.<event>`.
    pub fn record_capture_event(&mut self, session: &Session, answer_id: i64, event: &str) -> Result<()> {
        self.authorize(session, Action::RecordAnswer)?;
        if event.is_empty() || !event.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(VaultError::Corrupt(format!("capture event name {event:?}")));
        }
        let flag = interview::FlagKind::of_capture_event(event);
        let now = self.now();
        self.write(session, &format!("capture.{event}"), &format!("answer:{answer_id}"), |tx| {
            // One flag per answer and kind: the audit entries count the events.
            if let Some(kind) = flag {
                tx.execute(
                    "INSERT INTO flags (interview_id, answer_id, kind, detail_json, created_at)
                     SELECT interview_id, id, ?2, '{}', ?3 FROM answers a WHERE a.id = ?1
                       AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.answer_id = a.id AND f.kind = ?2)",
                    rusqlite::params![answer_id, kind.as_str(), now],
                )?;
            }
            Ok(())
        })
    }

    /// Writes an audit entry for something the kiosk station saw outside an answer (its page
    /// lost and reloaded: `page_lost`), as `kiosk.<event>` on the visit's interview, or on the
    /// station between visits.
    pub fn record_kiosk_event(&mut self, session: &Session, interview_id: Option<i64>, event: &str) -> Result<()> {
        self.authorize(session, Action::RecordAnswer)?;
        if event.is_empty() || !event.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(VaultError::Corrupt(format!("kiosk event name {event:?}")));
        }
        let object =
            interview_id.map_or_else(|| format!("station:{}", session.username), |id| format!("interview:{id}"));
        self.write(session, &format!("kiosk.{event}"), &object, |_| Ok(()))
    }

    /// Decrypts a media file into `out`, checking every chunk.
    pub fn read_media(&mut self, session: &Session, media_id: i64, out: &mut impl Write) -> Result<u64> {
        self.authorize(session, Action::ViewInterviews)?;
        self.read_media_for_scoring(media_id, out)
    }

    /// Reads a media file for the scoring job (the system reads recordings to score them).
    pub fn read_media_for_scoring(&mut self, media_id: i64, out: &mut impl Write) -> Result<u64> {
        let stored = self.stored_media(media_id)?;
        media::read(&self.paths.media(), &stored, &self.media_key, out)
    }

    fn stored_media(&self, media_id: i64) -> Result<StoredMedia> {
        self.conn
            .query_row(
                "SELECT file, wrapped_key, sha256, plain_size FROM media WHERE id = ?1 AND purged_at IS NULL",
                [media_id],
                |r| {
                    Ok(StoredMedia {
                        file: r.get(0)?,
                        wrapped_key: r.get(1)?,
                        sha256: r.get::<_, Vec<u8>>(2)?.try_into().unwrap_or([0; 32]),
                        plain_size: r.get::<_, i64>(3)? as u64,
                    })
                },
            )
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "media", id: media_id })
    }

    /// The media of an answer in the order they were recorded.
    pub fn answer_media(&mut self, session: &Session, answer_id: i64) -> Result<Vec<MediaInfo>> {
        self.authorize(session, Action::ViewInterviews)?;
        let rows = self
            .conn
            .prepare(
                "SELECT id, kind, COALESCE(format, CASE kind WHEN 'audio' THEN 'wav/16k' ELSE kind END), segment, offset_ms, duration_ms, sha256, plain_size
                 FROM media WHERE answer_id = ?1 AND purged_at IS NULL ORDER BY seq",
            )?
            .query_map([answer_id], |r| {
                Ok(MediaInfo {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    format: r.get(2)?,
                    segment: r.get(3)?,
                    offset_ms: r.get(4)?,
                    duration_ms: r.get(5)?,
                    sha256: r.get(6)?,
                    plain_size: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The video segments of an answer, in order, for playback. Opening a recording is audited
    /// (who watched which answer); the segments themselves are then read with `read_media`.
    pub fn playback(&mut self, session: &Session, answer_id: i64) -> Result<Vec<MediaInfo>> {
        self.authorize(session, Action::ViewInterviews)?;
        let media = self.answer_media(session, answer_id)?;
        let video: Vec<MediaInfo> = media.into_iter().filter(|m| m.kind == "video").collect();
        self.write(session, "media.play", &format!("answer:{answer_id}"), |_| Ok(()))?;
        Ok(video)
    }

    /// Whether `media_id` is a video segment of a live interview (what the playback protocol may
    /// serve), read without touching the session (the protocol checks that itself).
    pub fn is_playable(&self, media_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM media WHERE id = ?1 AND kind = 'video' AND purged_at IS NULL", [media_id], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }

    /// Answers still marked "recording": after a restart, each one was interrupted.
    pub fn unfinished_answers(&mut self, session: &Session) -> Result<Vec<UnfinishedAnswer>> {
        self.authorize(session, Action::RecordAnswer)?;
        let rows = self
            .conn
            .prepare(
                "SELECT a.id, a.interview_id, qv.question_id, a.started_at,
                        (SELECT COUNT(DISTINCT m.segment) FROM media m WHERE m.answer_id = a.id AND m.purged_at IS NULL)
                 FROM answers a JOIN question_versions qv ON qv.id = a.question_version_id
                 WHERE a.state = 'recording'
                   -- A station's answer is closed by that station (its journal), not here.
                   AND NOT EXISTS (SELECT 1 FROM station_answers s WHERE s.answer_id = a.id)
                 ORDER BY a.id",
            )?
            .query_map([], |r| {
                Ok(UnfinishedAnswer {
                    answer_id: r.get(0)?,
                    interview_id: r.get(1)?,
                    question_id: r.get(2)?,
                    started_at_ms: r.get(3)?,
                    segments: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// How often a question of an interview has been attempted (practice runs not counted).
    pub fn attempts(&mut self, session: &Session, interview_id: i64, question_id: i64) -> Result<Attempts> {
        self.authorize(session, Action::RecordAnswer)?;
        let mut attempts = Attempts::default();
        let mut stmt = self.conn.prepare(
            "SELECT a.state, COUNT(*) FROM answers a JOIN question_versions qv ON qv.id = a.question_version_id
             WHERE a.interview_id = ?1 AND qv.question_id = ?2 AND a.practice = 0 GROUP BY a.state",
        )?;
        let rows =
            stmt.query_map(params![interview_id, question_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            match state.as_str() {
                "committed" => attempts.committed = n,
                "interrupted" => attempts.interrupted = n,
                "recording" => attempts.recording = n,
                _ => {}
            }
        }
        Ok(attempts)
    }

    /// The interview an answer belongs to.
    pub fn answer_interview(&self, answer_id: i64) -> Result<i64> {
        self.conn
            .query_row("SELECT interview_id FROM answers WHERE id = ?1", [answer_id], |r| r.get(0))
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "answer", id: answer_id })
    }

    /// Removes media files whose writing never finished (`.<name>.<pid>.part`, left by a crash
    /// while a segment was being written; a live writer's are kept). They hold no committed
    /// data. Returns how many were removed.
    pub fn remove_unfinished_media_files(&mut self, session: &Session) -> Result<usize> {
        self.authorize(session, Action::RecordAnswer)?;
        let dir = self.paths.media();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(VaultError::io(&dir)(e)),
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry.map_err(VaultError::io(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(crate::files::PART_SUFFIX) && crate::files::is_stale_temporary(&name) {
                std::fs::remove_file(entry.path()).map_err(VaultError::io(&entry.path()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// A new media file's name: random, so it says nothing about what it holds.
fn new_file_name() -> String {
    let mut name = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut name);
    format!("{}.ikm", hex::encode(name))
}

/// The next `seq` of an answer's media, inside the caller's transaction.
fn next_seq(tx: &Transaction<'_>, answer_id: i64) -> Result<i64> {
    Ok(tx.query_row("SELECT COALESCE(MAX(seq), -1) + 1 FROM media WHERE answer_id = ?1", [answer_id], |r| r.get(0))?)
}
