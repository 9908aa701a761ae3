//! What crosses the office network: JSON bodies over HTTPS (binary fields in base64), defined
//! once here for both the hub and the station. Every request is idempotent or carries an id
//! that makes a replay harmless (a journal entry's position).

use interview::Localized;
use serde::{Deserialize, Serialize};

/// The path prefix of every office request.
pub const PREFIX: &str = "/office/v1";

/// Binary fields as standard base64 strings.
pub mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
        STANDARD.decode(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}

/// Hashes as hex strings.
pub mod hex32 {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(text.as_bytes(), &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}

/// Lease tokens as hex strings.
pub mod hex16 {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[u8; 16], D::Error> {
        let text: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
        let mut out = [0u8; 16];
        hex::decode_to_slice(text.as_bytes(), &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}

/// A station asks to join (no client certificate yet).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The code's public part.
    pub lookup: String,
    pub name: String,
    #[serde(with = "b64")]
    pub csr_der: Vec<u8>,
    /// HMAC over the hub certificate the station saw, its CSR and the name (see `enrol`).
    #[serde(with = "hex32")]
    pub proof: [u8; 32],
    /// What this machine joins as; the hub refuses a code made for the other kind.
    #[serde(default = "station_role")]
    pub role: interview::MachineRole,
}

fn station_role() -> interview::MachineRole {
    interview::MachineRole::Station
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolResponse {
    pub station_id: i64,
    #[serde(with = "b64")]
    pub station_cert_der: Vec<u8>,
    #[serde(with = "b64")]
    pub authority_cert_der: Vec<u8>,
    #[serde(with = "hex32")]
    pub proof: [u8; 32],
}

/// A station says hello (on start, and with every forwarding round): its clock, its backlog and
/// the versions it runs.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    pub station_time_ms: i64,
    pub backlog: i64,
    pub versions: Option<String>,
    /// What the machine saying hello is (a station's journal position is in the answer).
    #[serde(default = "station_role")]
    pub role: interview::MachineRole,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelloResponse {
    pub station_id: i64,
    pub hub_time_ms: i64,
    /// How far the hub has applied this station's journal.
    pub applied_seq: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub code: String,
    pub id_last4: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedsIdentity {
    pub needs_identity: bool,
}

/// A member of staff signs a station's kiosk window in: checked at the hub against the kiosk
/// account the station acts as (a wrong password counts towards that account's lockout there).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCheck {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for StaffCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffCheck").finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCheckResponse {
    /// The station's kiosk account (the name the window shows).
    pub username: String,
    /// The organisation's name, for the kiosk's welcome screen (may be empty).
    pub organisation: String,
}

/// A checked-in candidate's plan: the masked name, the job title, the questions (the vault's
/// `KioskPlan`, as the kiosk window gets it on a standalone machine).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInResponse {
    pub plan: vault::KioskPlan,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    pub interview_id: i64,
    pub given: bool,
}

/// One part of a segment (video, audio, still) with the SHA-256 the station computed when it
/// recorded it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub kind: String,
    pub format: String,
    pub offset_ms: i64,
    pub duration_ms: i64,
    #[serde(with = "hex32")]
    pub sha256: [u8; 32],
    #[serde(with = "b64")]
    pub bytes: Vec<u8>,
}

/// An entry of a station's journal.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Entry {
    AnswerBegin { interview_id: i64, question_id: i64 },
    Segment { answer_key: i64, index: u32, parts: Vec<Part> },
    CaptureEvent { answer_key: i64, event: String },
    FollowUp { answer_key: i64, record: interview::follow_up::StoredFollowUp },
    AnswerFinish { answer_key: i64, committed: bool },
    InterviewFinish { interview_id: i64 },
}

/// Entry `seq` of the sending station's journal.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalRequest {
    pub seq: i64,
    pub entry: Entry,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalResponse {
    pub applied_seq: i64,
    pub outcome: vault::Applied,
}

/// A worker asks for an answer to score, saying what it runs.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkRequest {
    pub versions: String,
}

/// An answer leased to the asking worker until `lease_until_ms` (hub time).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Work {
    pub job_id: i64,
    #[serde(with = "hex16")]
    pub token: [u8; 16],
    pub answer: vault::AnswerInfo,
    pub language: interview::Lang,
    /// The hub's choice of recognition models: the worker scores with these.
    pub models: interview::RecognitionModels,
    pub lease_until_ms: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkResponse {
    /// `None`: nothing waits.
    pub work: Option<Work>,
}

/// One media file of a leased answer (the response is its bytes).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaRequest {
    pub job_id: i64,
    #[serde(with = "hex16")]
    pub token: [u8; 16],
    pub media_id: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultRequest {
    pub job_id: i64,
    #[serde(with = "hex16")]
    pub token: [u8; 16],
    pub record: vault::ScoringRecord,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultResponse {
    pub completion: vault::Completion,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailedRequest {
    pub job_id: i64,
    #[serde(with = "hex16")]
    pub token: [u8; 16],
    pub code: String,
}

/// Every refusal: a stable code and the sentence in both languages; `expected` for a journal
/// entry out of order.
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<i64>,
}

/// A staff workstation's call of one staff-window command, run at the hub under the session
/// `session` names (none yet: the hub opens one, in which the person then signs in).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCall {
    #[serde(default, with = "opt_hex16")]
    pub session: Option<[u8; 16]>,
    /// Chosen by the workstation for this call and kept when it sends the call again: the hub
    /// answers a call it has seen with the answer it gave (or waits for it), never runs it twice.
    #[serde(with = "hex16")]
    pub call_id: [u8; 16],
    pub command: String,
    /// The command's arguments, as the staff window sent them.
    pub args: serde_json::Value,
}

/// What the hub answers a staff call.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffReply {
    /// The session the call ran in (a new one when the call named none or one the hub no longer
    /// holds).
    #[serde(with = "hex16")]
    pub session: [u8; 16],
    pub outcome: StaffOutcome,
    /// The files the command wrote for the person (reports, slips), as the hub signed them, by
    /// their path relative to `export_dir`.
    pub files: Vec<ExportedFile>,
    /// The hub's folder for this session's exports, as named in the outcome: the workstation
    /// writes the files into its own export folder and names that instead.
    pub export_dir: String,
}

/// The command's answer or its refusal, exactly as the staff window would have received it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffOutcome {
    Ok(serde_json::Value),
    Err(serde_json::Value),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedFile {
    pub path: String,
    #[serde(with = "b64")]
    pub bytes: Vec<u8>,
}

/// A recording segment of a playlist the person opened in `session` (the hub checks that).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMedia {
    #[serde(with = "hex16")]
    pub session: [u8; 16],
    pub media_id: i64,
}

/// The messages a running command of `session` has sent so far on the staff window's channel
/// `channel` (a job export's progress), from index `after` on. Asked while the call runs.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffProgress {
    #[serde(with = "hex16")]
    pub session: [u8; 16],
    /// The channel's id as the staff window made it (`__CHANNEL__:<id>` in the call's arguments).
    pub channel: u32,
    pub after: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffProgressReply {
    /// In the order they were sent (at most [`STAFF_PROGRESS_KEPT`]: the latest).
    pub messages: Vec<StaffChannelMessage>,
}

/// Messages the hub keeps per channel (progress: the latest say the most).
pub const STAFF_PROGRESS_KEPT: usize = 256;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffChannelMessage {
    pub index: u32,
    pub message: serde_json::Value,
}

/// An optional session id as a hex string.
pub mod opt_hex16 {
    pub fn serialize<S: serde::Serializer>(bytes: &Option<[u8; 16]>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => s.serialize_some(&hex::encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<[u8; 16]>, D::Error> {
        let text: Option<String> = serde::Deserialize::deserialize(d)?;
        text.map(|t| {
            let mut out = [0u8; 16];
            hex::decode_to_slice(t.as_bytes(), &mut out).map_err(serde::de::Error::custom)?;
            Ok(out)
        })
        .transpose()
    }
}
