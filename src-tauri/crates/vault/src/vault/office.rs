//! The office, as the hub's vault keeps it: the stations' certificate authority, one-time
//! enrolment codes, the enrolled stations (listed, renamed, revoked), the session a station's
//! certificate stands for, and each station's **journal** — everything a kiosk station recorded,
//! in order, applied here once.
//!
//! The vault does no X.509 and no TLS (that is the `office` crate); it keeps the keys, decides
//! who a certificate is, and records every step in the audit log.

use interview::{Action, InterviewEvent, MachineRole, Role};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{AnswerInfo, MAX_ATTEMPTS, NewSegment, ScoringJob, ScoringRecord, Session, Vault, next_id};
use crate::audit::Outcome;
use crate::error::{Result, VaultError};

/// How long an enrolment code may be used after it was made.
pub const ENROLMENT_CODE_TTL_MS: i64 = 15 * 60_000;
/// Wrong proofs after which an enrolment code is refused for good.
pub const MAX_ENROLMENT_FAILURES: i64 = 3;
/// The longest station name.
const MAX_STATION_NAME: usize = 64;

/// The office's certificate authority for stations: its key (PKCS#8) and certificate (DER).
/// Separate from the report-signing identity.
pub struct OfficeAuthority {
    pub key_pkcs8: Zeroizing<Vec<u8>>,
    pub cert_der: Vec<u8>,
}

impl std::fmt::Debug for OfficeAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficeAuthority").field("cert_bytes", &self.cert_der.len()).finish_non_exhaustive()
    }
}

/// An enrolled station, as the administrator's list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StationInfo {
    pub id: i64,
    pub name: String,
    /// A kiosk station or a staff workstation.
    pub role: MachineRole,
    /// The kiosk account the station acts as (for a workstation: the administrator who made its
    /// code).
    pub account: String,
    pub cert_sha256: String,
    pub enrolled_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    /// How far the hub has applied the station's journal.
    pub applied_seq: i64,
    pub presence: StationPresence,
}

/// What a station last told the hub about itself (bookkeeping, not a record: updated without an
/// audit entry, as often as the station reports).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StationPresence {
    pub last_seen_at_ms: Option<i64>,
    /// The station's clock minus the hub's, measured at its last report.
    pub clock_offset_ms: Option<i64>,
    /// Journal entries the station still holds for the hub.
    pub backlog: Option<i64>,
    /// The model and rubric versions the station runs (its manifest digest).
    pub versions: Option<String>,
}

/// One entry of a station's journal, as the hub applies it.
#[derive(Debug)]
pub enum StationEntry<'a> {
    /// An answer begins; `answer_key` is the station's own name for it (the journal position of
    /// this entry), which later entries use.
    AnswerBegin {
        interview_id: i64,
        question_id: i64,
        answer_key: i64,
    },
    /// A closed segment, each part with the SHA-256 the station computed when it recorded it.
    Segment {
        answer_key: i64,
        segment: NewSegment<'a>,
        sha256: Vec<[u8; 32]>,
    },
    CaptureEvent {
        answer_key: i64,
        event: &'a str,
    },
    /// A follow-up decision of the answer (the kiosk's live decision, with its transcript).
    FollowUp {
        answer_key: i64,
        record: &'a interview::follow_up::StoredFollowUp,
    },
    AnswerFinish {
        answer_key: i64,
        committed: bool,
    },
    InterviewFinish {
        interview_id: i64,
    },
}

/// What became of a journal entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// Stored now.
    Stored,
    /// Already applied before (a retry or a replay): refused, audited, nothing stored twice.
    Duplicate,
    /// Refused for good (a wrong hash, an interview not checked in at this station, a step the
    /// interview's state does not allow): audited, nothing stored, and the journal moves past it.
    Refused,
}

/// The journal position a write applies, checked and moved in the writing transaction.
#[derive(Debug)]
pub(crate) struct StationStep {
    station_id: i64,
    seq: i64,
    /// Set for an answer's first entry: the answer the write creates gets this station key.
    answer_key: Option<i64>,
}

impl StationStep {
    /// Moves the station's journal to `seq` (refused unless it was just before) and, for an
    /// answer's first entry, records which answer the station's key became (`object` is the
    /// write's audit object, `answer:<id>`).
    pub(crate) fn record(self, tx: &Transaction<'_>, object: &str) -> Result<()> {
        let moved = tx.execute(
            "UPDATE stations SET applied_seq = ?2 WHERE id = ?1 AND applied_seq = ?2 - 1",
            params![self.station_id, self.seq],
        )?;
        if moved != 1 {
            return Err(VaultError::JournalOutOfOrder { expected: -1 });
        }
        if let Some(key) = self.answer_key {
            let answer_id: i64 = object
                .strip_prefix("answer:")
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| VaultError::Corrupt(format!("station answer object {object}")))?;
            tx.execute(
                "INSERT INTO station_answers (station_id, answer_key, answer_id) VALUES (?1, ?2, ?3)",
                params![self.station_id, key, answer_id],
            )?;
        }
        Ok(())
    }
}

fn station_device(station_id: i64) -> String {
    format!("station:{station_id}")
}

impl Vault {
    /// The office's certificate authority, made with `make` (key PKCS#8, certificate DER) the
    /// first time a hub needs it. Administrators only; the creation is audited.
    pub fn office_authority(
        &mut self,
        session: &Session,
        make: impl FnOnce() -> std::result::Result<(Zeroizing<Vec<u8>>, Vec<u8>), String>,
    ) -> Result<OfficeAuthority> {
        self.authorize(session, Action::ManageDevices)?;
        let existing: Option<(Vec<u8>, Vec<u8>)> = self
            .conn
            .query_row("SELECT key_pkcs8, cert_der FROM office_authority WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((key, cert_der)) = existing {
            return Ok(OfficeAuthority { key_pkcs8: Zeroizing::new(key), cert_der });
        }
        let (key_pkcs8, cert_der) = make().map_err(VaultError::Office)?;
        let now = self.now();
        self.write(session, "office.authority_created", "office", |tx| {
            tx.execute(
                "INSERT INTO office_authority (id, key_pkcs8, cert_der, created_at) VALUES (1, ?1, ?2, ?3)",
                params![key_pkcs8.as_slice(), cert_der, now],
            )?;
            Ok(())
        })?;
        Ok(OfficeAuthority { key_pkcs8, cert_der })
    }

    /// Removes recording files that have no record: what a hub killed between storing a
    /// station's segment and committing it left (the station sends that entry again). With no
    /// other process holding the vault, every such file goes; otherwise only those older than a
    /// minute (a live writer commits within milliseconds). Administrators only; audited when
    /// anything was removed.
    pub fn remove_orphan_media(&mut self, session: &Session) -> Result<usize> {
        self.authorize(session, Action::ManageDevices)?;
        let others = crate::lock::holders(&self.paths.dir.join(crate::lock::LOCK_FILE));
        let cutoff = if others.is_empty() { None } else { Some(self.now() - 60_000) };
        let orphans = self.orphan_media_files(cutoff)?;
        for path in &orphans {
            std::fs::remove_file(path).map_err(VaultError::io(path))?;
        }
        if !orphans.is_empty() {
            let count = orphans.len();
            self.write(session, "media.orphans_removed", &format!("media:{count}"), |_| Ok(()))?;
            tracing::warn!(count, "recording files without a record removed at hub start");
        }
        Ok(orphans.len())
    }

    /// Records a one-time enrolment code for a station that will act as the kiosk account
    /// `kiosk_username`. The code itself is not kept: only its public `lookup` part and the key
    /// its secret derives (`proof_key`), which checks the station's proof. Valid
    /// [`ENROLMENT_CODE_TTL_MS`]; audited.
    pub fn create_enrolment_code(
        &mut self,
        session: &Session,
        kiosk_username: &str,
        lookup: &str,
        proof_key: &[u8; 32],
    ) -> Result<i64> {
        self.authorize(session, Action::ManageDevices)?;
        let account: Option<(i64, String, bool)> = self
            .conn
            .query_row("SELECT id, role, disabled FROM users WHERE username = ?1", [kiosk_username], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let user_id = match account {
            Some((id, role, false)) if role == Role::Kiosk.as_str() => id,
            _ => return Err(VaultError::NotAKioskAccount(kiosk_username.to_owned())),
        };
        self.insert_enrolment_code(session, MachineRole::Station, user_id, lookup, proof_key)
    }

    /// A one-time enrolment code for a staff workstation (it acts as no account: people sign in
    /// at it with their own; the code records the administrator who made it).
    pub fn create_workstation_code(&mut self, session: &Session, lookup: &str, proof_key: &[u8; 32]) -> Result<i64> {
        self.authorize(session, Action::ManageDevices)?;
        self.insert_enrolment_code(session, MachineRole::Workstation, session.user_id, lookup, proof_key)
    }

    fn insert_enrolment_code(
        &mut self,
        session: &Session,
        role: MachineRole,
        user_id: i64,
        lookup: &str,
        proof_key: &[u8; 32],
    ) -> Result<i64> {
        let taken: bool =
            self.conn
                .query_row("SELECT EXISTS (SELECT 1 FROM enrolment_codes WHERE lookup = ?1)", [lookup], |r| r.get(0))?;
        if taken {
            return Err(VaultError::CodeLookupTaken);
        }
        let now = self.now();
        self.write_naming(session, "office.code_created", |tx| {
            let id = next_id(tx, "enrolment_codes")?;
            tx.execute(
                "INSERT INTO enrolment_codes (id, lookup, proof_key, user_id, created_by, created_at, expires_at, role)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    lookup,
                    proof_key.as_slice(),
                    user_id,
                    session.user_id,
                    now,
                    now + ENROLMENT_CODE_TTL_MS,
                    role.as_str()
                ],
            )?;
            Ok((format!("enrolment_code:{id}/{}/user:{user_id}", role.as_str()), id))
        })
    }

    /// The key that checks a station's proof for the code whose public part is `lookup`, if
    /// that code may still be used (known, unexpired, unused, not guessed at too often). Any
    /// other case is the same refusal, audited.
    pub fn enrolment_proof_key(&mut self, lookup: &str, from: &str) -> Result<(i64, Zeroizing<[u8; 32]>)> {
        let now = self.now();
        /// id, proof key, expiry, failures, when used.
        type CodeRow = (i64, Vec<u8>, i64, i64, Option<i64>);
        let row: Option<CodeRow> = self
            .conn
            .query_row(
                "SELECT id, proof_key, expires_at, failures, used_at FROM enrolment_codes WHERE lookup = ?1",
                [lookup],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        match row {
            Some((id, key, expires, failures, None)) if expires > now && failures < MAX_ENROLMENT_FAILURES => {
                let key: [u8; 32] = key.try_into().map_err(|_| VaultError::Corrupt(format!("enrolment code {id}")))?;
                Ok((id, Zeroizing::new(key)))
            }
            other => {
                let object = other
                    .map(|(id, ..)| format!("enrolment_code:{id}"))
                    .unwrap_or_else(|| "enrolment_code:unknown".into());
                self.audit_only(&Self::enrolling(from), "office.enrol", &object, Outcome::Denied)?;
                Err(VaultError::EnrolmentRefused)
            }
        }
    }

    /// A proof that did not match (a wrong code, or a relay between the station and the hub):
    /// counted against the code and audited.
    pub fn enrolment_failed(&mut self, code_id: i64, from: &str) -> Result<()> {
        let object = format!("enrolment_code:{code_id}");
        self.write(&Self::enrolling(from), "office.enrol_proof_failed", &object, |tx| {
            tx.execute("UPDATE enrolment_codes SET failures = failures + 1 WHERE id = ?1", [code_id])?;
            Ok(())
        })
    }

    /// Spends the code and enrols the station whose certificate (issued by the office authority
    /// for the key the station proved it holds) has `cert_sha256`. Audited.
    pub fn enrol_station(
        &mut self,
        code_id: i64,
        role: MachineRole,
        name: &str,
        cert_sha256: &[u8; 32],
        from: &str,
    ) -> Result<i64> {
        let name = check_station_name(name)?;
        let now = self.now();
        let made_for: String =
            self.conn.query_row("SELECT role FROM enrolment_codes WHERE id = ?1", [code_id], |r| r.get(0))?;
        if made_for != role.as_str() {
            // The code stays usable: the administrator typed it on the wrong kind of machine.
            self.audit_only(
                &Self::enrolling(from),
                "office.enrol",
                &format!("enrolment_code:{code_id}"),
                Outcome::Denied,
            )?;
            return Err(VaultError::CodeForOtherMachine { code: made_for, asked: role.as_str().to_owned() });
        }
        self.write_naming(&Self::enrolling(from), "office.enrol", |tx| {
            let spent = tx.execute(
                "UPDATE enrolment_codes SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL AND expires_at > ?2",
                params![code_id, now],
            )?;
            if spent != 1 {
                return Err(VaultError::EnrolmentRefused);
            }
            let id = next_id(tx, "stations")?;
            tx.execute(
                "INSERT INTO stations (id, name, user_id, cert_sha256, code_id, enrolled_at, role)
                 SELECT ?1, ?2, user_id, ?3, id, ?4, role FROM enrolment_codes WHERE id = ?5",
                params![id, name, cert_sha256.as_slice(), now, code_id],
            )?;
            Ok((format!("{}:{id}/enrolment_code:{code_id}", role.as_str()), id))
        })
    }

    /// Who is enrolling, for the audit log: not yet a station, known only by its address.
    fn enrolling(from: &str) -> Session {
        Session::unsigned("station-enrolment".into(), Role::Kiosk, from.to_owned())
    }

    /// The session the station presenting a certificate with `cert_sha256` acts as. An unknown
    /// or revoked station is refused and audited.
    pub fn station_session(&mut self, cert_sha256: &[u8; 32], from: &str) -> Result<Session> {
        /// id, revoked, account id, account name, account disabled, machine role.
        type MachineRow = (i64, Option<i64>, i64, String, bool, String);
        let row: Option<MachineRow> = self
            .conn
            .query_row(
                "SELECT s.id, s.revoked_at, u.id, u.username, u.disabled, s.role FROM stations s JOIN users u ON u.id = s.user_id
                 WHERE s.cert_sha256 = ?1",
                [cert_sha256.as_slice()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        let anonymous = Session::unsigned("station".into(), Role::Kiosk, from.to_owned());
        // A staff workstation acts as no account: a station's routes are not for it.
        if let Some((id, None, .., role)) = &row
            && role != MachineRole::Station.as_str()
        {
            self.audit_only(&anonymous, "office.station_refused", &format!("{role}:{id}"), Outcome::Denied)?;
            return Err(VaultError::NotAStationMachine);
        }
        match row {
            None => {
                self.audit_only(&anonymous, "office.station_refused", "station:unknown", Outcome::Denied)?;
                Err(VaultError::UnknownStation)
            }
            Some((id, Some(_), ..)) => {
                self.audit_only(&anonymous, "office.station_refused", &format!("station:{id}"), Outcome::Denied)?;
                Err(VaultError::StationRevoked)
            }
            Some((id, None, user_id, username, ..)) => Ok(Session {
                user_id,
                station_id: Some(id),
                ..Session::unsigned(username, Role::Kiosk, station_device(id))
            }),
        }
    }

    /// `authorize` for a station's session: the station still enrolled, its account enabled,
    /// the kiosk role allowed `action`.
    pub(super) fn authorize_station(&mut self, session: &Session, station_id: i64, action: Action) -> Result<()> {
        let row: Option<(Option<i64>, bool)> = self
            .conn
            .query_row(
                "SELECT s.revoked_at, u.disabled FROM stations s JOIN users u ON u.id = s.user_id WHERE s.id = ?1",
                [station_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match row {
            Some((None, false)) => {}
            Some((None, true)) => {
                self.audit_only(session, action.as_str(), "session", Outcome::Denied)?;
                return Err(VaultError::SessionExpired);
            }
            _ => {
                self.audit_only(session, action.as_str(), &format!("station:{station_id}"), Outcome::Denied)?;
                return Err(VaultError::StationRevoked);
            }
        }
        if !session.role.may(action) {
            self.audit_only(session, action.as_str(), "-", Outcome::Denied)?;
            return Err(VaultError::Denied { role: session.role.as_str(), action });
        }
        Ok(())
    }

    /// Every enrolled station, revoked ones included. Administrators only.
    pub fn list_stations(&mut self, session: &Session) -> Result<Vec<StationInfo>> {
        self.authorize(session, Action::ManageDevices)?;
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.name, u.username, s.cert_sha256, s.enrolled_at, s.revoked_at, s.applied_seq,
                    s.last_seen_at, s.clock_offset_ms, s.backlog, s.versions, s.role
             FROM stations s JOIN users u ON u.id = s.user_id ORDER BY s.id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let role: String = r.get(11)?;
                let role = MachineRole::parse(&role).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        11,
                        rusqlite::types::Type::Text,
                        format!("machine role {role:?}").into(),
                    )
                })?;
                Ok(StationInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    role,
                    account: r.get(2)?,
                    cert_sha256: hex::encode(r.get::<_, Vec<u8>>(3)?),
                    enrolled_at_ms: r.get(4)?,
                    revoked_at_ms: r.get(5)?,
                    applied_seq: r.get(6)?,
                    presence: StationPresence {
                        last_seen_at_ms: r.get(7)?,
                        clock_offset_ms: r.get(8)?,
                        backlog: r.get(9)?,
                        versions: r.get(10)?,
                    },
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The kind of office machine `station_id` is (a kiosk station when unknown: the write
    /// that follows says there is no such one).
    fn machine_role(&self, station_id: i64) -> Result<MachineRole> {
        let role: Option<String> =
            self.conn.query_row("SELECT role FROM stations WHERE id = ?1", [station_id], |r| r.get(0)).optional()?;
        Ok(role.as_deref().and_then(MachineRole::parse).unwrap_or(MachineRole::Station))
    }

    /// Renames a station or a workstation; audited as what it is (`office.station_renamed` on
    /// `station:N`, `office.workstation_renamed` on `workstation:N`). Returns which it is.
    pub fn rename_station(&mut self, session: &Session, station_id: i64, name: &str) -> Result<MachineRole> {
        self.authorize(session, Action::ManageDevices)?;
        let name = check_station_name(name)?;
        let role = self.machine_role(station_id)?;
        let kind = role.as_str();
        self.write(session, &format!("office.{kind}_renamed"), &format!("{kind}:{station_id}"), |tx| {
            match tx.execute("UPDATE stations SET name = ?2 WHERE id = ?1", params![station_id, name])? {
                1 => Ok(()),
                _ => Err(VaultError::NoSuchObject { what: "station", id: station_id }),
            }
        })?;
        Ok(role)
    }

    /// Revokes a station or a workstation: its next request is refused. A station's journal so
    /// far stays applied. Audited as what it is (`office.station_revoked` on `station:N`,
    /// `office.workstation_revoked` on `workstation:N`). Returns which it is.
    pub fn revoke_station(&mut self, session: &Session, station_id: i64) -> Result<MachineRole> {
        self.authorize(session, Action::ManageDevices)?;
        let now = self.now();
        let role = self.machine_role(station_id)?;
        let kind = role.as_str();
        self.write(session, &format!("office.{kind}_revoked"), &format!("{kind}:{station_id}"), |tx| {
            match tx.execute(
                "UPDATE stations SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                params![station_id, now],
            )? {
                1 => Ok(()),
                _ => Err(VaultError::NoSuchObject { what: "station", id: station_id }),
            }
        })?;
        Ok(role)
    }

    /// What a station reports about itself on each request: kept as bookkeeping (no audit entry;
    /// see [`StationPresence`]).
    /// A staff workstation of this hub says hello: refused if unknown, revoked or a kiosk
    /// station; otherwise its presence is noted (bookkeeping, as for stations) and its id
    /// returned. Every request of a workstation passes here, so a revoked one is refused at
    /// its next request.
    pub fn workstation_hello(&mut self, cert_sha256: &[u8; 32], from: &str, presence: &StationPresence) -> Result<i64> {
        let row: Option<(i64, Option<i64>, String)> = self
            .conn
            .query_row(
                "SELECT id, revoked_at, role FROM stations WHERE cert_sha256 = ?1",
                [cert_sha256.as_slice()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let anonymous = Session::unsigned("workstation".into(), Role::Kiosk, from.to_owned());
        let id = match row {
            Some((id, None, role)) if role == MachineRole::Workstation.as_str() => id,
            other => {
                let (object, error) = match other {
                    None => ("workstation:unknown".to_owned(), VaultError::UnknownWorkstation),
                    Some((id, Some(_), _)) => (format!("workstation:{id}"), VaultError::WorkstationRevoked),
                    Some((id, None, role)) => (format!("{role}:{id}"), VaultError::NotAStationMachine),
                };
                self.audit_only(&anonymous, "office.workstation_refused", &object, Outcome::Denied)?;
                return Err(error);
            }
        };
        self.conn.execute(
            "UPDATE stations SET last_seen_at = ?2, clock_offset_ms = COALESCE(?3, clock_offset_ms), versions = COALESCE(?4, versions) WHERE id = ?1",
            params![id, self.now(), presence.clock_offset_ms, presence.versions],
        )?;
        Ok(id)
    }

    pub fn note_station_presence(&mut self, station: &Session, presence: &StationPresence) -> Result<()> {
        let Some(station_id) = station.station_id else { return Err(VaultError::UnknownStation) };
        self.conn.execute(
            "UPDATE stations SET last_seen_at = ?2, clock_offset_ms = ?3, backlog = ?4, versions = COALESCE(?5, versions) WHERE id = ?1",
            params![
                station_id,
                self.now(),
                presence.clock_offset_ms,
                presence.backlog,
                presence.versions
            ],
        )?;
        Ok(())
    }

    /// After a request panicked (the hub's vault thread catches it): a journal step it left
    /// pending must not attach to the next, unrelated write.
    pub fn forget_pending_station_step(&mut self) {
        self.station_step = None;
    }

    /// How far the hub has applied the station's journal.
    pub fn station_applied_seq(&self, station: &Session) -> Result<i64> {
        let Some(station_id) = station.station_id else { return Err(VaultError::UnknownStation) };
        Ok(self.conn.query_row("SELECT applied_seq FROM stations WHERE id = ?1", [station_id], |r| r.get(0))?)
    }

    /// Applies entry `seq` of the station's journal, exactly once: an entry at or before the
    /// applied position is a duplicate (refused and audited, nothing stored), one beyond the next
    /// is out of order (refused; the station sends from the next). A permanent refusal is audited
    /// and moves the journal past the entry in the same transaction; a passing failure (a full
    /// disk) changes nothing and the station sends the entry again.
    pub fn apply_station_entry(&mut self, station: &Session, seq: i64, entry: StationEntry<'_>) -> Result<Applied> {
        let Some(station_id) = station.station_id else { return Err(VaultError::UnknownStation) };
        let applied = self.station_applied_seq(station)?;
        let object = format!("station:{station_id}/seq:{seq}");
        if seq <= applied {
            self.authorize(station, Action::RecordAnswer)?;
            self.audit_only(station, "station.duplicate", &object, Outcome::Denied)?;
            return Ok(Applied::Duplicate);
        }
        if seq != applied + 1 {
            self.authorize(station, Action::RecordAnswer)?;
            return Err(VaultError::JournalOutOfOrder { expected: applied + 1 });
        }
        let outcome = self.apply_entry(station, station_id, seq, entry);
        // A step the change did not consume (it failed before writing) must not leak into the
        // next write.
        let unconsumed = self.station_step.take().is_some();
        match outcome {
            Ok(()) if unconsumed => Err(VaultError::Corrupt(format!("journal entry {object} wrote nothing"))),
            Ok(()) => Ok(Applied::Stored),
            Err(error) if is_permanent(&error) => {
                tracing::warn!(code = interview::UserFacing::code(&error), station_id, seq, "journal entry refused");
                self.station_step = Some(StationStep { station_id, seq, answer_key: None });
                let refused = self.write(station, "station.refused", &object, |_| Ok(()));
                self.station_step = None;
                refused.map(|()| Applied::Refused)
            }
            Err(error) => Err(error),
        }
    }

    fn apply_entry(&mut self, station: &Session, station_id: i64, seq: i64, entry: StationEntry<'_>) -> Result<()> {
        let step = |answer_key| Some(StationStep { station_id, seq, answer_key });
        match entry {
            StationEntry::AnswerBegin { interview_id, question_id, answer_key } => {
                self.check_station_interview(station, interview_id)?;
                if answer_key != seq {
                    return Err(VaultError::NotThisStation);
                }
                self.station_step = step(Some(answer_key));
                self.begin_answer(station, interview_id, question_id, false).map(drop)
            }
            StationEntry::Segment { answer_key, segment, sha256 } => {
                let answer_id = self.station_answer(station, station_id, answer_key)?;
                let known = |part: &super::SegmentPart<'_>| {
                    matches!(
                        (part.kind, part.format),
                        ("audio", super::media_format::WAV_16K)
                            | ("video", super::media_format::WEBM_VP9)
                            | ("still", super::media_format::JPEG)
                    ) && part.offset_ms >= 0
                        && part.duration_ms >= 0
                };
                if segment.parts.is_empty() || !segment.parts.iter().all(known) {
                    return Err(VaultError::BadJournalEntry("segment part"));
                }
                let matches = segment.parts.len() == sha256.len()
                    && segment
                        .parts
                        .iter()
                        .zip(&sha256)
                        .all(|(part, hash)| Sha256::digest(part.bytes).as_slice() == hash);
                if !matches {
                    return Err(VaultError::SegmentHashMismatch);
                }
                self.station_step = step(None);
                self.store_segment(station, answer_id, &segment).map(drop)
            }
            StationEntry::CaptureEvent { answer_key, event } => {
                let answer_id = self.station_answer(station, station_id, answer_key)?;
                if event.is_empty() || event.len() > 40 || !event.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                    return Err(VaultError::BadJournalEntry("capture event"));
                }
                // Only while the answer records (a late "recovered" after a commit is refused).
                self.check_recording(answer_id)?;
                self.station_step = step(None);
                self.record_capture_event(station, answer_id, event)
            }
            StationEntry::FollowUp { answer_key, record } => {
                let answer_id = self.station_answer(station, station_id, answer_key)?;
                self.check_recording(answer_id)?;
                self.station_step = step(None);
                self.record_follow_up(station, answer_id, record)
            }
            StationEntry::AnswerFinish { answer_key, committed } => {
                let answer_id = self.station_answer(station, station_id, answer_key)?;
                self.station_step = step(None);
                self.finish_answer(station, answer_id, committed)
            }
            StationEntry::InterviewFinish { interview_id } => {
                self.check_station_interview(station, interview_id)?;
                self.station_step = step(None);
                self.advance_interview(station, interview_id, InterviewEvent::Finish).map(drop)
            }
        }
    }

    /// Refuses (and audits) an interview that was not checked in at this station.
    pub(super) fn check_station_interview(&mut self, station: &Session, interview_id: i64) -> Result<()> {
        let device: Option<Option<String>> = self
            .conn
            .query_row("SELECT device FROM interviews WHERE id = ?1", [interview_id], |r| r.get(0))
            .optional()?;
        if device.flatten().as_deref() == Some(station.device.as_str()) {
            return Ok(());
        }
        self.audit_only(station, "station.foreign_interview", &format!("interview:{interview_id}"), Outcome::Denied)?;
        Err(VaultError::NotThisStation)
    }

    /// The answer a station's key names (refused and audited when this station began no such
    /// answer).
    fn station_answer(&mut self, station: &Session, station_id: i64, answer_key: i64) -> Result<i64> {
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT answer_id FROM station_answers WHERE station_id = ?1 AND answer_key = ?2",
                params![station_id, answer_key],
                |r| r.get(0),
            )
            .optional()?;
        match found {
            Some(id) => Ok(id),
            None => {
                self.audit_only(
                    station,
                    "station.foreign_answer",
                    &format!("station:{station_id}/answer_key:{answer_key}"),
                    Outcome::Denied,
                )?;
                Err(VaultError::NotThisStation)
            }
        }
    }
}

/// An answer's scoring job handed to a worker of the office until `until_ms`.
#[derive(Clone, Debug)]
pub struct Lease {
    pub job: ScoringJob,
    /// Names this lease; the worker presents it to fetch the answer's media and to hand in
    /// the result.
    pub token: [u8; 16],
    pub answer: AnswerInfo,
    /// The job's language (what the answer is transcribed as).
    pub language: interview::Lang,
    pub until_ms: i64,
}

/// What became of a result handed in under a lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    Recorded,
    /// The job was done already (another worker finished first): dropped, and logged.
    Dropped,
}

impl Vault {
    /// Leases the oldest answer waiting to be scored (or one whose lease expired: its worker
    /// stopped) to `worker` for `lease_ms`. A job whose leases ran out [`MAX_ATTEMPTS`] times
    /// is left failed for a person instead. Audited.
    pub fn lease_scoring_job(&mut self, worker: &Session, lease_ms: i64) -> Result<Option<Lease>> {
        self.authorize(worker, Action::RecordAnswer)?;
        let now = self.now();
        loop {
            let row: Option<(i64, i64, i64, i64)> = self
                .conn
                .query_row(
                    "SELECT id, interview_id, answer_id, attempts FROM scoring_jobs
                     WHERE answer_id IS NOT NULL
                       AND (state = 'queued' OR (state = 'running' AND lease_until IS NOT NULL AND lease_until < ?1))
                     ORDER BY id LIMIT 1",
                    [now],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((id, interview_id, answer_id, attempts)) = row else { return Ok(None) };
            let job = ScoringJob { id, interview_id, answer_id: Some(answer_id), attempts: attempts + 1 };
            if attempts >= MAX_ATTEMPTS {
                self.fail_scoring_job(&ScoringJob { attempts, ..job }, "office.lease_expired")?;
                continue;
            }
            let mut token = [0u8; 16];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut token);
            let until = now + lease_ms;
            let taken = self.write(worker, "score.leased", &format!("answer:{answer_id}"), |tx| {
                // Still free (another handle — the hub's own worker — may have taken it since).
                let taken = tx.execute(
                    "UPDATE scoring_jobs SET state = 'running', attempts = attempts + 1, lease_until = ?2, updated_at = ?3
                     WHERE id = ?1 AND (state = 'queued' OR (state = 'running' AND lease_until IS NOT NULL AND lease_until < ?3))",
                    params![id, until, now],
                )?;
                if taken == 0 {
                    return Ok(false);
                }
                tx.execute(
                    "INSERT INTO scoring_leases (token, job_id, holder, leased_at, until) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![token.as_slice(), id, worker.device, now, until],
                )?;
                Ok(true)
            })?;
            if !taken {
                continue;
            }
            let (job_id, answer) = self.job_answer(&job)?;
            let language = self.job_info(job_id)?.language;
            return Ok(Some(Lease { job, token, answer, language, until_ms: until }));
        }
    }

    /// Whether `token` is the job's newest lease and has not expired: only it may read the
    /// answer's media or give the job up.
    fn current_lease(&self, job_id: i64, token: &[u8; 16]) -> Result<bool> {
        let now = self.now();
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM scoring_leases l WHERE l.token = ?1 AND l.job_id = ?2 AND l.until >= ?3
                 AND l.leased_at = (SELECT MAX(leased_at) FROM scoring_leases WHERE job_id = ?2))",
            params![token.as_slice(), job_id, now],
            |r| r.get(0),
        )?)
    }

    /// The job a lease token was given for, if it was, and the job's state.
    fn leased_job(&self, job_id: i64, token: &[u8; 16]) -> Result<Option<(ScoringJob, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT j.id, j.interview_id, j.answer_id, j.attempts, j.state FROM scoring_leases l
                 JOIN scoring_jobs j ON j.id = l.job_id WHERE l.token = ?1 AND l.job_id = ?2",
                params![token.as_slice(), job_id],
                |r| {
                    Ok((
                        ScoringJob {
                            id: r.get(0)?,
                            interview_id: r.get(1)?,
                            answer_id: r.get(2)?,
                            attempts: r.get(3)?,
                        },
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()?)
    }

    /// A media file of the answer a lease is for, decrypted into `out` (the worker keeps it in
    /// memory only). Anything else is refused.
    pub fn leased_media(
        &mut self,
        worker: &Session,
        job_id: i64,
        token: &[u8; 16],
        media_id: i64,
        out: &mut impl std::io::Write,
    ) -> Result<u64> {
        self.authorize(worker, Action::RecordAnswer)?;
        // Only the audio and the stills scoring reads, and only under the job's current lease.
        let belongs: bool = match self.leased_job(job_id, token)? {
            Some((job, state)) if state != "done" && self.current_lease(job_id, token)? => self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM media WHERE id = ?1 AND answer_id = ?2 AND kind IN ('audio', 'still'))",
                params![media_id, job.answer_id],
                |r| r.get(0),
            )?,
            _ => false,
        };
        if !belongs {
            self.audit_only(worker, "score.media_refused", &format!("media:{media_id}"), Outcome::Denied)?;
            return Err(VaultError::NoSuchObject { what: "media", id: media_id });
        }
        self.read_media_for_scoring(media_id, out)
    }

    /// Records a worker's result for a leased job: the first completion under any lease of the
    /// job wins; a later one is dropped (audited, logged). The record may speak only of the
    /// job's answer.
    pub fn complete_leased_job(
        &mut self,
        worker: &Session,
        job_id: i64,
        token: &[u8; 16],
        record: &ScoringRecord,
    ) -> Result<Completion> {
        self.authorize(worker, Action::RecordAnswer)?;
        let Some((job, state)) = self.leased_job(job_id, token)? else {
            self.audit_only(worker, "score.result_refused", &format!("scoring_job:{job_id}"), Outcome::Denied)?;
            return Err(VaultError::NoSuchObject { what: "scoring job", id: job_id });
        };
        let answer = job.answer_id;
        // Levels are on the rubric's 1–5 scale (0 when withheld).
        let only_this_answer = record.transcripts.iter().all(|t| Some(t.answer_id) == answer)
            && record.scores.iter().all(|s| {
                s.answer_id == answer
                    && s.total.is_none()
                    && s.band.is_none()
                    && s.level.is_none_or(|l| (0.0..=5.0).contains(&l))
            })
            && record.flags.iter().all(|f| f.answer_id == answer);
        if !only_this_answer {
            self.audit_only(worker, "score.result_refused", &format!("scoring_job:{job_id}"), Outcome::Denied)?;
            return Err(VaultError::Corrupt(format!("a worker's result for job {job_id} names another answer")));
        }
        let dropped = |vault: &mut Vault| -> Result<Completion> {
            tracing::info!(job_id, "a late scoring result was dropped");
            vault.audit_only(worker, "score.duplicate_dropped", &format!("scoring_job:{job_id}"), Outcome::Denied)?;
            Ok(Completion::Dropped)
        };
        if state == "done" {
            return dropped(self);
        }
        match self.record_answer_scoring(&job, record) {
            Ok(()) => Ok(Completion::Recorded),
            Err(VaultError::AlreadyScored { .. }) => dropped(self),
            Err(error) => Err(error),
        }
    }

    /// A worker whose models or program differ from the hub's asked for work: refused, audited.
    pub fn refuse_worker(&mut self, worker: &Session) -> Result<()> {
        self.audit_only(worker, "score.worker_refused", &format!("worker:{}", worker.device), Outcome::Denied)
    }

    /// A worker could not score a leased job: queued again, or left failed after
    /// [`MAX_ATTEMPTS`].
    pub fn fail_leased_job(&mut self, worker: &Session, job_id: i64, token: &[u8; 16], code: &str) -> Result<()> {
        self.authorize(worker, Action::RecordAnswer)?;
        match self.leased_job(job_id, token)? {
            Some((job, state)) if state == "running" && self.current_lease(job_id, token)? => {
                self.fail_scoring_job(&job, code)
            }
            _ => Ok(()),
        }
    }
}

/// Whether a refusal will be the same however often the entry is sent (so the journal moves past
/// it) rather than a passing failure of this machine (so the station sends it again).
fn is_permanent(error: &VaultError) -> bool {
    matches!(
        error,
        VaultError::SegmentHashMismatch
            | VaultError::BadJournalEntry(_)
            | VaultError::BadFollowUp(_)
            | VaultError::NotThisStation
            | VaultError::Rule(_)
            | VaultError::AnswerClosed { .. }
            | VaultError::NoSuchObject { .. }
    )
}

fn check_station_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_STATION_NAME || name.chars().any(char::is_control) {
        return Err(VaultError::BadStationName);
    }
    Ok(name)
}
