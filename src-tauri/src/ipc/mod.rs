//! The types that cross IPC. They are defined here, once, and generated for TypeScript into
//! `ui/src/shared/bindings.ts`. Domain types never cross IPC themselves: each DTO carries only
//! what its window may see, so a role's screen cannot receive a field it must not show.

use interview::{Lang, Localized, Role, UserFacing};
use serde::{Deserialize, Serialize};
use specta::Type;

mod personalise;
mod workspace;
pub use personalise::*;
pub use workspace::*;

/// A sentence for a person in both interface languages; the UI shows the one in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
pub struct Text {
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    pub en: String,
}

impl From<Localized> for Text {
    fn from(value: Localized) -> Text {
        Text { zh_cn: value.zh_cn, en: value.en }
    }
}

/// The one error type of every command: a stable code and a sentence for the person. The
/// technical detail is logged by the backend, never sent to the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
pub struct IpcError {
    pub code: String,
    pub message: Text,
}

impl<E: UserFacing> From<E> for IpcError {
    fn from(error: E) -> IpcError {
        tracing::warn!(code = error.code(), detail = %error, "command failed");
        IpcError { code: error.code().to_owned(), message: error.user_message().into() }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    Runtime,
    Model,
}

/// One bundled component (the ONNX Runtime library, a model) and whether its bytes are the
/// pinned ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ComponentStatus {
    pub name: String,
    pub version: String,
    pub kind: ComponentKind,
    pub licence: String,
    /// `None` when verified; otherwise what is wrong, for a person.
    pub problem: Option<Text>,
}

/// What every window shows in its status bar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    /// The app's version, from the build.
    pub version: String,
    /// Where the vault, logs and recordings live (set with `--data-dir`).
    pub data_dir: String,
    /// The bundled components, each verified against the manifest; empty with
    /// `componentsError` set when the manifest itself cannot be read.
    pub components: Vec<ComponentStatus>,
    pub components_error: Option<Text>,
    /// Whether this data directory holds a vault (if not, the first-run wizard is shown).
    pub vault_exists: bool,
    /// Set when this installation is a kiosk station of a hub (it holds no vault).
    pub station: Option<StationSetupDto>,
    /// Set when this installation is a staff workstation of a hub: the staff window works on
    /// the hub's vault (every command runs there) and keeps no record here.
    pub workstation: Option<StationSetupDto>,
    /// Seconds without input after which the staff window locks until the password is typed
    /// again (`INTERVIEW_KIOSK_STAFF_IDLE_SECONDS`, default 600).
    pub staff_idle_seconds: u32,
}

/// Whether a staff workstation's hub answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkstationLinkDto {
    pub online: bool,
    /// The hub's address as it was typed at enrolment.
    pub hub: String,
}

/// This installation as a station of a hub.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StationSetupDto {
    /// The hub's address as it was typed.
    pub hub: String,
    pub name: String,
    pub station_id: u32,
}

/// The signed-in member of staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffDto {
    pub username: String,
    pub role: Role,
}

/// What verifying a report PDF found (see `report::Verification`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReportDto {
    /// Signed, intact, the whole file covered, certified, by this organisation, and the very
    /// file this vault registered under its report id.
    pub valid: bool,
    pub signer: Option<String>,
    /// As written in the signature (`D:YYYYMMDDHHmmSS+HH'mm'`).
    pub signing_time: Option<String>,
    pub whole_document: bool,
    pub certified: bool,
    pub report_id: Option<String>,
    pub audit_checkpoint: Option<String>,
    pub known_to_vault: bool,
    pub identical_to_registered: bool,
    pub signed_by_us: bool,
    /// Why it is not valid, one sentence each.
    pub problems: Vec<Text>,
}

impl From<&report::VerifyReport> for VerifyReportDto {
    fn from(r: &report::VerifyReport) -> VerifyReportDto {
        let v = &r.verification;
        let m = r.vault.as_ref();
        let mut problems: Vec<Text> = v.problems.iter().map(|p| p.message().into()).collect();
        if v.signed && v.report_id.is_some() && !m.is_some_and(|m| m.known) {
            problems.push(
                Localized::new(
                    "本机的保险库中没有登记该报告编号。",
                    "This vault has no report registered under this id.",
                )
                .into(),
            );
        } else if m.is_some_and(|m| m.known && !m.matches) {
            problems.push(
                Localized::new(
                    "该报告编号已登记，但文件与登记的不一致。",
                    "The report id is registered, but this file is not the one registered.",
                )
                .into(),
            );
        }
        VerifyReportDto {
            valid: r.is_valid(),
            signer: v.signer.clone(),
            signing_time: v.signing_time.clone(),
            whole_document: v.whole_document,
            certified: v.certification,
            report_id: v.report_id.clone(),
            audit_checkpoint: v.audit_checkpoint.clone(),
            known_to_vault: m.is_some_and(|m| m.known),
            identical_to_registered: m.is_some_and(|m| m.matches),
            signed_by_us: m.is_some_and(|m| m.our_signer),
            problems,
        }
    }
}

// --- first run and administration --------------------------------------------------------

/// The recovery key, shown once, and the groups the administrator must type back to prove
/// it was written down or printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryKeyDto {
    /// Groups of four characters, in order.
    pub groups: Vec<String>,
    /// Which groups (1-based) to type back.
    pub confirm: Vec<u32>,
}

/// The organisation's settings and its report-signing certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDto {
    pub organisation: String,
    pub has_logo: bool,
    pub report_lang: Lang,
    pub retention_days: u32,
    /// The speech recognition models that score answers.
    pub recognition_models: interview::RecognitionModels,
    pub signing: Option<SigningDto>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SigningDto {
    pub subject: String,
    /// SHA-256 of the signing certificate, hex.
    pub fingerprint: String,
    pub root_fingerprint: String,
    /// Imported from the agency's PKCS#12 file (rather than generated here).
    pub imported: bool,
}

/// One account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UserDto {
    pub id: u32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub locked: bool,
}

/// The office network as the administrator sees it from the hub's vault.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OfficeDto {
    /// A `hub serve` process has this vault open now.
    pub hub_running: bool,
    /// What this installation runs; a station that differs is given no scoring work.
    pub versions: String,
    pub stations: Vec<StationDto>,
}

/// One enrolled station.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StationDto {
    pub id: u32,
    pub name: String,
    /// The kiosk account it acts as; none for a staff workstation (people sign in at it).
    pub account: Option<String>,
    pub revoked: bool,
    pub online: bool,
    /// Seconds since it last said hello (none: never).
    pub last_seen_s: Option<f64>,
    /// Journal entries it still holds for the hub.
    pub backlog: Option<u32>,
    pub clock_offset_s: Option<f64>,
    pub clock_warning: bool,
    pub versions: Option<String>,
    pub other_versions: bool,
}

/// A one-time enrolment code, shown once.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentCodeDto {
    pub code: String,
    pub kiosk_account: String,
    pub valid_minutes: u32,
}

/// A camera or microphone this machine offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceDto {
    pub id: String,
    pub name: String,
    /// `camera` or `microphone`.
    pub kind: String,
    pub synthetic: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DevicesDto {
    pub devices: Vec<DeviceDto>,
    pub camera: Option<String>,
    pub microphone: Option<String>,
}

/// What a two-second device test saw and heard.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceTestDto {
    /// The last preview frame as a `data:` URL.
    pub preview: Option<String>,
    pub frames: u32,
    /// The loudest level heard, dBFS.
    pub loudest_dbfs: f32,
}

// --- the kiosk ------------------------------------------------------------------------------

/// What the kiosk shows when it is idle (nothing about any candidate).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KioskStatusDto {
    /// The station's kiosk account, once a member of staff has signed the station in.
    pub station: Option<String>,
    pub organisation: Option<String>,
    /// Scoring jobs waiting and failed (counts only).
    pub scoring_waiting: u32,
    pub scoring_failed: u32,
    /// After this many seconds without a touch or key, the kiosk returns to its welcome
    /// screen (`INTERVIEW_KIOSK_IDLE_SECONDS`, default 120).
    pub idle_seconds: u32,
    /// On a kiosk station of a hub: the link and what waits to be handed on (staff's facts).
    pub hub: Option<HubLinkDto>,
    /// A visit in progress, for a page loaded during it (after its process was lost): where
    /// the page takes it up again.
    pub resume: Option<KioskResumeDto>,
}

/// A visit in progress, as a reloaded kiosk page takes it up again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KioskResumeDto {
    pub plan: KioskPlanDto,
    pub step: KioskResumeStep,
}

/// Where a visit in progress stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "step", rename_all = "camelCase")]
pub enum KioskResumeStep {
    /// Checked in: the candidate confirms who they are, then consents.
    Confirm,
    /// Consent given: the device check.
    Devices,
    /// The practice: running, or ended.
    Practice { done: bool },
    /// Question `index` (0-based), its `attempt` in this visit (1 = the first): running (with
    /// the follow-up being asked, if one is), or ended as `done` says.
    #[serde(rename_all = "camelCase")]
    Question { index: u32, attempt: u32, done: Option<KioskAnswerEnd>, follow_up: Option<KioskFollowUpNow> },
}

/// The follow-up being asked, for a page loaded while it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KioskFollowUpNow {
    pub ordinal: u8,
    pub question: String,
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KioskAnswerEnd {
    pub committed: bool,
    pub attempts_left: u32,
}

/// A kiosk station's link to its hub, for the staff line of the kiosk window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HubLinkDto {
    /// The hub's address, as enrolled.
    pub hub: String,
    /// This station's name at the hub.
    pub name: String,
    /// The last request reached the hub.
    pub connected: bool,
    /// The hub refused this station as revoked: it can take no more candidates.
    pub revoked: bool,
    /// Journal entries (answer steps, segments) not yet handed to the hub.
    pub waiting: u32,
    /// How long the oldest of them has waited, seconds.
    pub oldest_waiting_s: u32,
    /// Why no new visit starts now (the spool holds too much or too old), for staff.
    pub refusing_visits: Option<Text>,
}

/// After the access code: whether the ID number's last four characters are asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CodeCheckDto {
    pub needs_identity: bool,
}

/// What the candidate sees after checking in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KioskPlanDto {
    pub masked_name: String,
    pub job_title: String,
    pub questions: Vec<KioskQuestionDto>,
    pub extra_time_pct: u32,
    pub large_text: bool,
    pub retention_days: u32,
    /// The practice question's countdowns, seconds.
    pub practice_prep_seconds: u32,
    pub practice_answer_seconds: u32,
    /// Some question may ask a follow-up (the consent says so).
    pub follow_ups: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KioskQuestionDto {
    pub text: String,
    pub situational: bool,
    /// With the candidate's extra time.
    pub prep_seconds: u32,
    pub answer_seconds: u32,
    /// Recorded attempts allowed (1 + retakes).
    pub attempts: u32,
}

/// What the station reports to the kiosk page while it works.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum KioskSignal {
    /// A small preview frame (`data:image/jpeg;base64,…`).
    #[serde(rename_all = "camelCase")]
    Preview {
        data_url: String,
    },
    #[serde(rename_all = "camelCase")]
    Level {
        rms_dbfs: f32,
        peak: f32,
    },
    /// `preparing` or `answering`.
    #[serde(rename_all = "camelCase")]
    Countdown {
        phase: String,
        remaining_ms: u32,
        total_ms: u32,
    },
    /// A device failed: the answer and its clock are paused.
    Paused {
        device: String,
        message: Text,
    },
    Resumed,
    /// Paused for long: the candidate is asked to fetch the clerk.
    CallClerk {
        message: Text,
    },
    /// A segment of the answer is safely stored.
    Saved,
    /// The answer ended; a moment while the kiosk decides whether to ask a follow-up.
    Deciding,
    /// A follow-up question of the current question, asked now (its countdowns follow).
    FollowUp {
        ordinal: u8,
        question: String,
    },
    #[serde(rename_all = "camelCase")]
    AnswerDone {
        committed: bool,
        attempts_left: u32,
    },
    PracticeDone,
    Failed {
        code: String,
        message: Text,
    },
}

// --- the audit log ----------------------------------------------------------------------------

/// One audit entry (no personal data: actors are usernames, objects are ids).
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryDto {
    pub seq: u32,
    /// Milliseconds since the epoch (UTC).
    pub at_ms: f64,
    pub actor: String,
    /// The actor's role, or `None` for a call through the local API.
    pub role: Option<Role>,
    /// The recorded code (`review.decide`), as exports carry it.
    pub action: String,
    /// What people call it; `None` for a code this version does not know.
    pub action_text: Option<Text>,
    /// The recorded object (`interview:12`).
    pub object: String,
    /// What people call it (面试 12; an account by its name).
    pub object_text: Text,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
    pub device: String,
}

/// Which audit entries to list. Empty strings mean "any".
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditQueryDto {
    /// Entries by an account or about it (the start of the username).
    pub who: String,
    /// `interview:` for every interview, `interview:12` for one (and its parts).
    pub object: String,
    pub problems_only: bool,
    /// Also list an entry for every saved video segment.
    pub show_segments: bool,
}

/// The latest matching entries, and how many segment entries were left out.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditListDto {
    pub entries: Vec<AuditEntryDto>,
    pub hidden_segments: u32,
}

/// The result of recomputing the audit chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditChainDto {
    pub intact: bool,
    pub entries: u32,
    pub checkpoints: u32,
    /// A signed checkpoint is made every this many entries.
    pub checkpoint_every: u32,
    /// The first 8 bytes of the head hash, hex.
    pub head: String,
    /// Where it is broken, for a person.
    pub problem: Option<Text>,
}
