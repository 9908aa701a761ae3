//! Recorded answers in segments: the capture pipeline hands over a few seconds of an answer at a
//! time (video, audio, a still), and each segment is encrypted, fsynced and committed with one
//! audit entry before the next one closes. A crash loses at most the segment in progress; on the
//! next start the answers still marked "recording" are found here and closed as interrupted.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Session, Vault};
use crate::error::{Result, VaultError};
use crate::media::MediaWriter;
use interview::Action;

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
            let mut name = [0u8; 16];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut name);
            let written = MediaWriter::create(&media_dir, &format!("{}.ikm", hex::encode(name)))
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
            let seq: i64 = tx.query_row(
                "SELECT COALESCE(MAX(seq), -1) + 1 FROM media WHERE answer_id = ?1",
                [answer_id],
                |r| r.get(0),
            )?;
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
        self.write(session, &format!("capture.{event}"), &format!("answer:{answer_id}"), |_| Ok(()))
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

    /// Answers still marked "recording": after a restart, each one was interrupted.
    pub fn unfinished_answers(&mut self, session: &Session) -> Result<Vec<UnfinishedAnswer>> {
        self.authorize(session, Action::RecordAnswer)?;
        let rows = self
            .conn
            .prepare(
                "SELECT a.id, a.interview_id, qv.question_id, a.started_at,
                        (SELECT COUNT(DISTINCT m.segment) FROM media m WHERE m.answer_id = a.id AND m.purged_at IS NULL)
                 FROM answers a JOIN question_versions qv ON qv.id = a.question_version_id
                 WHERE a.state = 'recording' ORDER BY a.id",
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
}

impl Vault {
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
