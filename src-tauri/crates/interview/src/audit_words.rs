//! The audit log in people's words: what each recorded action and object is called in both
//! interface languages. The log itself keeps stable codes (`review.decide`, `interview:12`), which
//! the hash chain covers and exports carry; the auditor's screen reads them through this table.
//!
//! Every action the vault records has a name here: `is_known_action` is checked whenever an audit
//! entry is made in a debug build, so a new action without words fails the first test that
//! records it.

use crate::access::Action;
use crate::lang::Localized;

/// `(code, 中文, English)` for every dotted action the vault records. Authorisation checks record
/// an [`Action`] instead (its `as_str`), named by [`action_words`] as well.
const ACTIONS: &[(&str, &str, &str)] = &[
    ("answer.begin", "开始作答", "Answer started"),
    ("answer.finish", "作答结束", "Answer finished"),
    ("answer.follow_up", "记录追问决定", "Follow-up decision recorded"),
    ("answer.score", "给一道题评分", "Answer scored"),
    ("api.candidates:read", "接口读取考生", "API: candidates read"),
    ("api.candidates:write", "接口写入考生", "API: candidates written"),
    ("api.interviews:read", "接口读取面试", "API: interviews read"),
    ("api.invitations:write", "接口发出邀请", "API: invitations issued"),
    ("api.outcomes:write", "接口写入录用后结果", "API: outcomes written"),
    ("api.reports:read", "接口读取报告", "API: reports read"),
    ("api.results:read", "接口读取评分结果", "API: results read"),
    ("api.tls_certificate", "生成接口的 TLS 证书", "API TLS certificate made"),
    ("api_token.create", "创建接口令牌", "API token created"),
    ("api_token.revoke", "吊销接口令牌", "API token revoked"),
    ("audit.verify", "核验审计链", "Audit chain verified"),
    ("auth.login", "登录", "Sign-in"),
    ("auth.logout", "退出登录", "Sign-out"),
    ("auth.reauth", "再次确认密码", "Password confirmed again"),
    ("auth.reauth_locked", "再次确认密码（已锁定）", "Password confirmation (locked)"),
    ("candidate.create", "添加考生", "Candidate added"),
    ("candidate.import", "导入考生", "Candidates imported"),
    ("candidate.purge", "按保留期限删除考生资料", "Candidate data deleted (retention)"),
    ("candidate.resume", "修改考生简历信息", "Candidate résumé facts changed"),
    ("candidate.view", "查看考生", "Candidate viewed"),
    ("capture.camera_back", "摄像头恢复", "Camera back"),
    ("capture.camera_lost", "摄像头断开", "Camera lost"),
    ("capture.clerk_called", "考生请求工作人员协助", "Candidate called for staff"),
    ("capture.encoder_failed", "录像编码失败", "Video encoding failed"),
    ("capture.kiosk_back", "面试窗口恢复", "Interview window back in front"),
    ("capture.kiosk_left", "作答时面试窗口被隐藏", "Interview window hidden during an answer"),
    ("capture.microphone_back", "麦克风恢复", "Microphone back"),
    ("capture.microphone_lost", "麦克风断开", "Microphone lost"),
    ("capture.page_lost", "作答时面试页面意外关闭，已重新载入", "Interview page lost during an answer and reloaded"),
    ("capture.recovered", "恢复中断的录像", "Interrupted recording recovered"),
    ("interview.advance", "面试进入下一步", "Interview moved on"),
    ("interview.question_removed", "移除个性化题目", "Personalised question removed"),
    ("interview.score", "面试评分完成", "Interview scored"),
    ("invitation.accommodations", "设置考生的便利安排", "Accommodations set"),
    ("invitation.create", "发出面试邀请", "Invitation issued"),
    ("ipc.refused", "窗口调用了无权使用的功能", "A window called a function it may not use"),
    ("job.create", "创建岗位", "Job created"),
    ("job.personalised", "设置个性化题目数量", "Number of personalised questions set"),
    ("job.validity", "查看岗位预测效度", "Job validity viewed"),
    ("job.weights", "修改岗位权重", "Job weights changed"),
    (
        "job.weights_over_fairness",
        "不顾公平性检查未通过而修改岗位权重（附理由）",
        "Job weights changed over a failed fairness check (with a reason)",
    ),
    ("kiosk.code", "生成准入码", "Access code made"),
    ("kiosk.exit", "工作人员关闭终端", "Kiosk closed by staff"),
    ("kiosk.identity", "考生身份核验", "Candidate identity check"),
    ("kiosk.page_lost", "面试页面意外关闭，已重新载入", "Interview page lost and reloaded"),
    ("kiosk.plan", "确定面试题目", "Interview questions fixed"),
    ("kiosk.redeem", "考生输入准入码", "Access code entered"),
    ("media.orphans_removed", "清除无主的录像文件", "Unreferenced media removed"),
    ("media.play", "播放录像", "Recording played"),
    ("media.segment", "保存一段录像", "Video segment saved"),
    ("media.store", "保存录像", "Recording saved"),
    ("office.authority_created", "建立办公室证书机构", "Office certificate authority created"),
    ("office.code_created", "生成注册码", "Enrolment code made"),
    ("office.enrol", "注册一台机器", "Machine enrolled"),
    ("office.enrol_proof_failed", "注册证明无效", "Enrolment proof invalid"),
    ("office.lease_expired", "评分任务超时收回", "Scoring lease expired"),
    ("office.station_refused", "拒绝面试终端", "Kiosk station refused"),
    ("office.station_renamed", "面试终端改名", "Kiosk station renamed"),
    ("office.station_revoked", "吊销面试终端", "Kiosk station revoked"),
    ("office.workstation_refused", "拒绝工作人员工作站", "Staff workstation refused"),
    ("office.workstation_renamed", "工作人员工作站改名", "Staff workstation renamed"),
    ("office.workstation_revoked", "吊销工作人员工作站", "Staff workstation revoked"),
    ("outcome.record", "记录录用后结果", "Outcomes recorded"),
    ("question.condition", "设置题目的简历条件", "Question condition set"),
    ("question.create", "添加题目", "Question added"),
    ("question.update", "修改题目", "Question changed"),
    ("report.draft", "导出报告草稿", "Draft report exported"),
    ("report.export", "导出签名报告", "Signed report exported"),
    ("report.verify", "核验报告", "Report verified"),
    ("results.export", "导出评分结果", "Results exported"),
    ("retention.run", "执行保留期限清理", "Retention purge run"),
    ("review.decide", "记录录用决定", "Decision recorded"),
    ("review.flag", "标记需复核的问题", "Flag raised"),
    ("review.flag_confirm", "确认标记", "Flag confirmed"),
    ("review.flag_dismiss", "驳回标记", "Flag dismissed"),
    ("review.rate", "人工评分", "Rating recorded"),
    ("review.request", "申请第二位评分人", "Second rater requested"),
    ("score.duplicate_dropped", "丢弃重复的评分结果", "Duplicate scoring result dropped"),
    ("score.failed", "评分失败", "Scoring failed"),
    ("score.leased", "分派评分任务", "Scoring job handed out"),
    ("score.media_refused", "拒绝读取录像的评分请求", "Scoring media request refused"),
    ("score.result_refused", "拒绝评分结果", "Scoring result refused"),
    ("score.worker_refused", "拒绝评分机器", "Scoring worker refused"),
    ("settings.organisation", "修改机构信息", "Organisation details changed"),
    ("settings.recognition_models", "更改语音识别模型", "Speech recognition models changed"),
    ("settings.retention", "修改保留期限", "Retention period changed"),
    ("signing.identity", "设置报告签名证书", "Report signing certificate set"),
    ("station.duplicate", "面试终端重复提交", "Kiosk station sent a duplicate"),
    ("station.foreign_answer", "面试终端提交了不属于它的答题", "Kiosk station sent another's answer"),
    ("station.foreign_interview", "面试终端提交了不属于它的面试", "Kiosk station sent another's interview"),
    ("station.refused", "拒绝面试终端的提交", "Kiosk station entry refused"),
    ("user.create", "创建账户", "Account created"),
    ("user.disable", "停用账户", "Account disabled"),
    ("user.reset_password", "重设密码", "Password reset"),
    ("vault.backup", "备份保险库", "Vault backed up"),
    ("vault.check", "检查保险库", "Vault checked"),
    ("vault.create", "创建保险库", "Vault created"),
    ("vault.header_recorded", "记录保险库的标识", "Vault identity recorded"),
    ("vault.recover", "用恢复密钥打开保险库", "Vault opened with the recovery key"),
    ("vault.rekey", "更换保险库密钥", "Vault key changed"),
    ("vault.replace_authorised", "批准用备份替换保险库", "Vault replacement authorised"),
    ("vault.restore", "从备份恢复保险库", "Vault restored from a backup"),
];

/// Words for an authorisation check (an attempt, usually shown with its refusal).
fn action_check_words(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::ManageUsers => ("管理账户", "Manage accounts"),
        Action::ManageSettings => ("修改设置", "Change settings"),
        Action::ManageDevices => ("管理设备", "Manage devices"),
        Action::BackupVault => ("备份保险库", "Back up the vault"),
        Action::PurgeRetention => ("执行保留期限清理", "Run the retention purge"),
        Action::ManageJobs => ("管理岗位", "Manage jobs"),
        Action::ManageQuestions => ("管理题目", "Manage questions"),
        Action::ManageCandidates => ("管理考生", "Manage candidates"),
        Action::IssueInvitations => ("发出面试邀请", "Issue invitations"),
        Action::RecordRating => ("人工评分", "Rate answers"),
        Action::RecordDecision => ("记录录用决定", "Record decisions"),
        Action::RescoreInterview => ("重新评分", "Rescore interviews"),
        Action::ViewCandidates => ("查看考生", "View candidates"),
        Action::ViewInterviews => ("查看面试", "View interviews"),
        Action::ExportReports => ("导出报告", "Export reports"),
        Action::ViewAudit => ("查看审计日志", "Read the audit log"),
        Action::VerifyAudit => ("核验审计链", "Verify the audit chain"),
        Action::RedeemAccessCode => ("使用准入码", "Use an access code"),
        Action::RecordConsent => ("记录考生同意", "Record consent"),
        Action::RecordAnswer => ("录制作答", "Record answers"),
        Action::RecordOutcomes => ("记录录用后结果", "Record outcomes"),
        Action::ViewValidity => ("查看预测效度", "View validity"),
        Action::ApplyWeights => ("应用新权重", "Apply new weights"),
        Action::ApplyWeightsOverFairness => ("不顾公平性检查应用权重", "Apply weights over a failed fairness check"),
        Action::ViewStatus => ("查看状态", "View status"),
    }
}

/// What people call the action recorded as `code`, or `None` for a code this version does not
/// know (an entry written by a newer version; the screen then shows the code itself).
pub fn action_words(code: &str) -> Option<Localized> {
    if let Some((_, zh, en)) = ACTIONS.iter().find(|(c, _, _)| *c == code) {
        return Some(Localized::new(*zh, *en));
    }
    Action::ALL.into_iter().find(|a| a.as_str() == code).map(|a| {
        let (zh, en) = action_check_words(a);
        Localized::new(zh, en)
    })
}

/// Whether `code` has words (checked on every audit entry in debug builds).
pub fn is_known_action(code: &str) -> bool {
    ACTIONS.iter().any(|(c, _, _)| *c == code) || Action::ALL.iter().any(|a| a.as_str() == code)
}

/// The kinds of object the log names, `(code, 中文, English)`.
const OBJECTS: &[(&str, &str, &str)] = &[
    ("answer", "答题", "answer"),
    ("api", "接口", "API"),
    ("api_token", "接口令牌", "API token"),
    ("audit", "审计导出", "audit export"),
    ("candidate", "考生", "candidate"),
    ("certificate", "证书", "certificate"),
    ("command", "功能", "function"),
    ("enrolment_code", "注册码", "enrolment code"),
    ("flag", "标记", "flag"),
    ("interview", "面试", "interview"),
    ("invitation", "邀请", "invitation"),
    ("job", "岗位", "job"),
    ("media", "录像文件", "media file"),
    ("question", "题目", "question"),
    ("report", "报告", "report"),
    ("retention_run", "清理批次", "retention run"),
    ("scoring_job", "评分任务", "scoring job"),
    ("segment", "片段", "segment"),
    ("seq", "序号", "entry"),
    ("answer_key", "答题", "answer"),
    ("settings", "设置", "settings"),
    ("signing", "签名证书", "signing certificate"),
    ("station", "面试终端", "kiosk station"),
    ("user", "账户", "account"),
    ("worker", "评分机器", "scoring worker"),
    ("workstation", "工作人员工作站", "staff workstation"),
];

/// Objects written without an id.
const BARE_OBJECTS: &[(&str, &str, &str)] = &[
    ("audit_log", "审计日志", "the audit log"),
    ("session", "登录会话", "the session"),
    ("vault", "保险库", "the vault"),
    ("-", "—", "—"),
];

/// What people call the object `object` (`interview:12` → 面试 12 / interview 12;
/// `answer:3/segment:4` → 答题 3 · 片段 4). `user_name` names a `user:N` object by its account.
/// Parts this version does not know are shown as written.
pub fn object_words(object: &str, user_name: Option<&str>) -> Localized {
    if let Some((_, zh, en)) = BARE_OBJECTS.iter().find(|(c, _, _)| *c == object) {
        return Localized::new(*zh, *en);
    }
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    for part in object.split('/') {
        let (kind, id) = part.split_once(':').unwrap_or((part, ""));
        // Refusals counted rather than written one by one (`api_token:?/repeated:49`).
        if kind == "repeated" {
            zh.push(format!("同一分钟内又拒绝 {id} 次"));
            en.push(format!("{id} more refusals that minute"));
            continue;
        }
        match OBJECTS.iter().find(|(c, _, _)| *c == kind) {
            Some((_, z, e)) => {
                let id = match (kind, user_name) {
                    ("user", Some(name)) if object == part => name,
                    _ => id,
                };
                zh.push(format!("{z} {id}").trim_end().to_owned());
                en.push(format!("{e} {id}").trim_end().to_owned());
            }
            None => {
                zh.push(part.to_owned());
                en.push(part.to_owned());
            }
        }
    }
    Localized::new(zh.join(" · "), en.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_authorisation_check_has_words_in_both_languages() {
        for (code, zh, en) in ACTIONS {
            assert!(code.contains('.') && !zh.is_empty() && !en.is_empty(), "{code}");
            assert!(ACTIONS.windows(2).all(|w| w[0].0 < w[1].0), "keep the table sorted: {code}");
            assert!(!zh.is_ascii(), "{code}: the Chinese words are not Chinese");
        }
        for action in Action::ALL {
            assert!(is_known_action(action.as_str()));
        }
        let mut codes: Vec<_> = ACTIONS.iter().map(|(c, _, _)| c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len(), "an action is named twice");
        assert!(!is_known_action("media.segmnet"));
        assert_eq!(action_words("view_candidates").unwrap().zh_cn, "查看考生");
    }

    #[test]
    fn objects_read_as_words_with_their_ids() {
        assert_eq!(object_words("interview:12", None), Localized::new("面试 12", "interview 12"));
        assert_eq!(object_words("answer:3/segment:4", None), Localized::new("答题 3 · 片段 4", "answer 3 · segment 4"));
        assert_eq!(object_words("user:3", Some("zhang.wei")), Localized::new("账户 zhang.wei", "account zhang.wei"));
        assert_eq!(object_words("audit_log", None).en, "the audit log");
        assert_eq!(object_words("api_token:?/repeated:49", None).en, "API token ? · 49 more refusals that minute");
        // Unknown parts stay as written rather than vanish.
        assert_eq!(object_words("gadget:7", None).en, "gadget:7");
    }
}
