//! Roles and what each may do. The matrix below is the single authority: every vault operation
//! names its [`Action`] and is checked against it before anything else happens.

use serde::{Deserialize, Serialize};

/// What an enrolled machine of an office is to its hub: a kiosk station (records candidates as
/// the kiosk account its code was bound to) or a staff workstation (acts as no account: people
/// sign in at it with their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum MachineRole {
    Station,
    Workstation,
}

impl MachineRole {
    pub const ALL: [MachineRole; 2] = [MachineRole::Station, MachineRole::Workstation];

    pub fn as_str(self) -> &'static str {
        match self {
            MachineRole::Station => "station",
            MachineRole::Workstation => "workstation",
        }
    }

    pub fn parse(s: &str) -> Option<MachineRole> {
        MachineRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Who acts. The kiosk is a device role, not a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Clerk,
    Auditor,
    Kiosk,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Clerk, Role::Auditor, Role::Kiosk];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clerk => "clerk",
            Role::Auditor => "auditor",
            Role::Kiosk => "kiosk",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role may perform `action`.
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        use Role::*;
        match action {
            // Administration
            ManageUsers | ManageSettings | ManageDevices | BackupVault | PurgeRetention => self == Admin,
            // Hiring work
            ManageJobs | ManageQuestions | ManageCandidates | IssueInvitations | RecordRating | RecordDecision
            | RescoreInterview => self == Clerk,
            // Reading hiring data: clerks work with it, auditors check it
            ViewCandidates | ViewInterviews | ExportReports => matches!(self, Clerk | Auditor),
            // The audit trail: auditors, and administrators who answer for the installation
            ViewAudit | VerifyAudit => matches!(self, Auditor | Admin),
            // The kiosk station
            RedeemAccessCode | RecordConsent | RecordAnswer => self == Kiosk,
            // Later outcomes come from HR's records; what they say about a job is for everyone
            // who answers for its selection; a new weighting is the hiring side's to apply, and
            // one that fails the fairness check only an administrator's, with a written reason.
            RecordOutcomes => self == Clerk,
            ViewValidity => matches!(self, Clerk | Auditor | Admin),
            ApplyWeights => matches!(self, Clerk | Admin),
            ApplyWeightsOverFairness => self == Admin,
            // Everyone signed in
            ViewStatus => true,
        }
    }
}

/// Every operation on the vault that needs authorisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ManageUsers,
    ManageSettings,
    ManageDevices,
    BackupVault,
    PurgeRetention,
    ManageJobs,
    ManageQuestions,
    ManageCandidates,
    IssueInvitations,
    RecordRating,
    RecordDecision,
    RescoreInterview,
    ViewCandidates,
    ViewInterviews,
    ExportReports,
    ViewAudit,
    VerifyAudit,
    RedeemAccessCode,
    RecordConsent,
    RecordAnswer,
    RecordOutcomes,
    ViewValidity,
    ApplyWeights,
    ApplyWeightsOverFairness,
    ViewStatus,
}

impl Action {
    pub const ALL: [Action; 25] = [
        Action::ManageUsers,
        Action::ManageSettings,
        Action::ManageDevices,
        Action::BackupVault,
        Action::PurgeRetention,
        Action::ManageJobs,
        Action::ManageQuestions,
        Action::ManageCandidates,
        Action::IssueInvitations,
        Action::RecordRating,
        Action::RecordDecision,
        Action::RescoreInterview,
        Action::ViewCandidates,
        Action::ViewInterviews,
        Action::ExportReports,
        Action::ViewAudit,
        Action::VerifyAudit,
        Action::RedeemAccessCode,
        Action::RecordConsent,
        Action::RecordAnswer,
        Action::RecordOutcomes,
        Action::ViewValidity,
        Action::ApplyWeights,
        Action::ApplyWeightsOverFairness,
        Action::ViewStatus,
    ];

    /// The name written into the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ManageUsers => "manage_users",
            Action::ManageSettings => "manage_settings",
            Action::ManageDevices => "manage_devices",
            Action::BackupVault => "backup_vault",
            Action::PurgeRetention => "purge_retention",
            Action::ManageJobs => "manage_jobs",
            Action::ManageQuestions => "manage_questions",
            Action::ManageCandidates => "manage_candidates",
            Action::IssueInvitations => "issue_invitations",
            Action::RecordRating => "record_rating",
            Action::RecordDecision => "record_decision",
            Action::RescoreInterview => "rescore_interview",
            Action::ViewCandidates => "view_candidates",
            Action::ViewInterviews => "view_interviews",
            Action::ExportReports => "export_reports",
            Action::ViewAudit => "view_audit",
            Action::VerifyAudit => "verify_audit",
            Action::RedeemAccessCode => "redeem_access_code",
            Action::RecordConsent => "record_consent",
            Action::RecordAnswer => "record_answer",
            Action::RecordOutcomes => "record_outcomes",
            Action::ViewValidity => "view_validity",
            Action::ApplyWeights => "apply_weights",
            Action::ApplyWeightsOverFairness => "apply_weights_over_fairness",
            Action::ViewStatus => "view_status",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix, written out the other way round (per role, the actions it may do), so a
    /// change to `Role::may` has to be made twice on purpose.
    fn allowed(role: Role) -> &'static [Action] {
        use Action::*;
        match role {
            Role::Admin => &[
                ManageUsers,
                ManageSettings,
                ManageDevices,
                BackupVault,
                PurgeRetention,
                ViewAudit,
                VerifyAudit,
                ViewValidity,
                ApplyWeights,
                ApplyWeightsOverFairness,
                ViewStatus,
            ],
            Role::Clerk => &[
                ManageJobs,
                ManageQuestions,
                ManageCandidates,
                IssueInvitations,
                RecordRating,
                RecordDecision,
                RescoreInterview,
                ViewCandidates,
                ViewInterviews,
                ExportReports,
                RecordOutcomes,
                ViewValidity,
                ApplyWeights,
                ViewStatus,
            ],
            Role::Auditor => {
                &[ViewCandidates, ViewInterviews, ExportReports, ViewAudit, VerifyAudit, ViewValidity, ViewStatus]
            }
            Role::Kiosk => &[RedeemAccessCode, RecordConsent, RecordAnswer, ViewStatus],
        }
    }

    #[test]
    fn matrix() {
        for role in Role::ALL {
            for action in Action::ALL {
                assert_eq!(role.may(action), allowed(role).contains(&action), "{role:?} × {action:?}");
            }
        }
    }

    #[test]
    fn auditors_never_change_hiring_data_and_kiosks_never_read_it() {
        for action in [Action::ManageCandidates, Action::RecordDecision, Action::ManageJobs] {
            assert!(!Role::Auditor.may(action));
        }
        for action in [Action::ViewCandidates, Action::ViewInterviews, Action::ViewAudit, Action::ExportReports] {
            assert!(!Role::Kiosk.may(action));
        }
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        let mut names: Vec<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
}
