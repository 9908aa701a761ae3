//! Every sentence a report prints, in zh-CN and en, and the formatting of times and names.

use interview::{Band, FlagKind, FlagStatus, InterviewState, Lang};
use time::UtcOffset;

/// A phrase in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct T(pub &'static str, pub &'static str);

impl T {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::ZhCn => self.0,
            Lang::En => self.1,
        }
    }
}

pub const CANDIDATE_REPORT: T = T("面试评估报告", "Interview assessment report");
pub const JOB_REPORT: T = T("岗位面试汇总报告", "Job interview summary report");
pub const AUDIT_REPORT: T = T("审计日志报告", "Audit log report");
pub const CANDIDATE: T = T("候选人", "Candidate");
pub const PURGED: T = T("（已按保存期限删除）", "(erased under the retention policy)");
pub const ID_NUMBER: T = T("身份证号", "ID number");
pub const JOB: T = T("岗位", "Job");
pub const INTERVIEW_DATE: T = T("面试时间", "Interview date");
pub const INTERVIEW_NO: T = T("面试编号", "Interview no.");
pub const STATUS: T = T("状态", "Status");
pub const REPORT_ID: T = T("报告编号", "Report id");
pub const GENERATED: T = T("生成时间", "Generated");
pub const TOTAL: T = T("综合得分", "Total score");
pub const AI_BAND: T = T("AI 建议档次", "AI band");
pub const DECISION: T = T("人工决定", "Decision");
pub const NOT_DECIDED: T = T("尚未决定", "Not yet decided");
pub const DIMENSIONS: T = T("各测评维度得分", "Scores per competency dimension");
pub const WEIGHT: T = T("权重", "weight");
pub const HUMAN: T = T("人工", "Human");
pub const LEGEND_AI: T = T("AI 评分（各题平均）", "AI level (mean over answers)");
pub const LEGEND_HUMAN: T = T("人工评分（平均）", "Human rating (mean)");
pub const ANSWERS: T = T("逐题评分与依据", "Each answer: scores and evidence");
pub const NO_ANSWERS: T = T("没有已提交的作答。", "No committed answers.");
pub const QUESTION: T = T("题目", "Question");
pub const RUBRIC_VERSION: T = T("评分标准版本", "rubric version");
pub const PERSONALISED: T = T(
    "按简历提问的题目：得分作为各维度的证据列出，不计入总分和维度等级。",
    "Asked from the résumé: their levels are evidence per dimension, not part of the total or the dimensions' levels.",
);
pub const PERSONALISED_SECTION: T = T("个性化题目", "Personalised questions");
pub const DURATION: T = T("作答时长", "Answer length");
pub const FOLLOW_UP_ASKED: T = T("追问", "Follow-up");
pub const FOLLOW_UP_ABOUT: T = T("所问要点", "about");
pub const FOLLOW_UP_FROM: T = T("录像中起于", "from");
pub const FOLLOW_UP_COVERED: T = T(
    "追问：有追问的要点都已答到，未追问。",
    "Follow-up: every key point with a follow-up was covered; nothing asked.",
);
pub const FOLLOW_UP_NONE_WRITTEN: T =
    T("追问：未答到的要点没有写追问，未追问。", "Follow-up: the key points left out have no follow-up; nothing asked.");
pub const FOLLOW_UP_LATE: T = T(
    "追问：答完时实时转写未跟上，为不让考生等待，未追问。",
    "Follow-up: the live transcript had not caught up when the answer ended; nothing asked rather than keep the candidate waiting.",
);
pub const FOLLOW_UP_MISSING: T = T("当时未答到的要点", "Key points left out at the time");
pub const NOT_MENTIONED: T = T("未提及", "not mentioned");
pub const CLOSEST_EXAMPLE: T = T("最接近的等级示例", "Closest level example");
pub const DELIVERY: T = T("表达指标", "Delivery");
pub const SPEAKING: T = T("说话时长", "speaking");
pub const RATE: T = T("语速", "rate");
pub const PAUSES: T = T("长停顿", "long pauses");
pub const FILLERS: T = T("口头语", "fillers");
pub const FLAGS: T = T("诚信提示", "Integrity flags");
pub const NO_FLAGS: T = T("没有诚信提示。", "No integrity flags.");
pub const FLAG: T = T("提示", "Flag");
pub const TIME: T = T("时间", "Time");
pub const FLAG_STATUS: T = T("处理", "Review");
pub const HUMAN_REVIEW: T = T("人工复核", "Human review");
pub const NO_RATINGS: T = T("尚无人工评分。", "No human ratings yet.");
pub const RATER: T = T("评分人", "Rater");
pub const DIMENSION: T = T("维度", "Dimension");
pub const LEVEL: T = T("等级", "Level");
pub const NOTE: T = T("备注", "Note");
pub const VERSIONS: T = T("模型与评分标准版本", "Model and rubric versions");
pub const MODELS: T = T("模型", "Models");
pub const RUBRICS: T = T("评分标准", "Rubrics");
pub const RECOGNITION_UNCERTAIN: T = T(
    "识别不确定：这些字可能不是考生所说，请听录音核实",
    "recognition uncertain: these may not be the candidate's words — listen to the recording",
);
pub const AI_STATEMENT_JOB: T = T(
    "说明：本报告汇总的评分由人工智能在本机离线辅助生成，每位考生的面试评估报告载有每项评分的依据；录用与否由具名工作人员逐一作出决定。每位考生都有权要求人工复核。",
    "AI assisted in scoring these interviews, offline on this machine; each candidate's interview report shows the evidence for every score. Named people made each decision, and every candidate has the right to a human review.",
);
pub const AI_STATEMENT: T = T(
    "说明：本报告中的评分由人工智能在本机离线辅助生成，每项评分均附有依据；录用与否由具名工作人员作出决定。候选人有权要求人工复核。",
    "AI assisted in scoring this interview, offline on this machine, and every score shows its evidence; a named person made the decision. The candidate has the right to a human review.",
);
pub const SIGNED_BY: T = T("数字签名", "Digitally signed");
pub const SIGNER: T = T("签名证书", "Signing certificate");
pub const SIGNING_TIME: T = T("签名时间", "Signing time");
pub const AUDIT_CHECKPOINT: T = T("审计检查点", "Audit checkpoint");
pub const DRAFT_TITLE: T = T("草稿 — 未签名，不是正式报告", "DRAFT — unsigned, not a final report");
pub const DRAFT_BANNER: T = T("草稿：未签名，不得作为正式报告使用", "DRAFT: unsigned, not a final report");
pub const DRAFT_NOT_SCORED: T = T("该面试尚未评分。", "This interview has not been scored yet.");
pub const DRAFT_NOT_REVIEWED: T = T(
    "该面试已由 AI 评分，但尚未经人工复核和决定。",
    "This interview has been scored by the AI but not yet reviewed and decided by a person.",
);
// The job report.
pub const RANKING: T = T("候选人排名", "Candidates ranked");
pub const RANK: T = T("名次", "Rank");
pub const SCORE: T = T("得分", "Score");
pub const BAND: T = T("档次", "Band");
pub const GROUP: T = T("分组", "Group");
pub const CANDIDATES: T = T("候选人数", "Candidates");
pub const SCORED: T = T("已评分", "Scored");
pub const DISTRIBUTION: T = T("各维度得分分布（AI）", "Score distribution per dimension (AI)");
pub const MEAN: T = T("平均", "Mean");
pub const AGREEMENT: T = T("AI 与人工评分一致性", "Agreement between AI and human ratings");
pub const AGREEMENT_NOTE: T = T(
    "Spearman 等级相关与二次加权 Cohen's kappa（AI 评分取整到 1–5 级）；n 为同时有 AI 评分和人工评分的候选人数。",
    "Spearman rank correlation and quadratically weighted Cohen's kappa (AI levels rounded to 1–5); n is the number of candidates with both.",
);
pub const TOO_FEW: T = T("样本不足", "too few");
pub const SELECTION: T =
    T("各组推荐率与不利影响比（五分之四规则）", "Selection rates and impact ratios per group (four-fifths rule)");
pub const SELECTION_NOTE: T = T(
    "推荐率 = 人工决定为“推荐”的人数 / 已决定人数；不利影响比 = 该组推荐率 / 最高组推荐率，低于 0.80 需关注。",
    "Selection rate = candidates decided “recommend” / candidates decided; impact ratio = the group's rate / the highest group's rate; below 0.80 needs attention.",
);
pub const NO_GROUPS: T = T("本岗位未记录分组信息。", "No groups are recorded for this job.");
pub const SELECTED: T = T("推荐", "Recommended");
pub const DECIDED: T = T("已决定", "Decided");
pub const SELECTION_RATE: T = T("推荐率", "Selection rate");
pub const IMPACT_RATIO: T = T("不利影响比", "Impact ratio");
pub const ATTENTION: T = T("需关注", "attention");
// Predictive validity and weight suggestions (job report).
pub const VALIDITY: T = T("预测效度：面试评分与录用后表现", "Predictive validity: interview levels and later outcomes");
pub const VALIDITY_RANGE: T = T(
    "只有被录用的人才有录用后结果，以下关系只在他们之中计算；与全部应聘者相比，分数范围受限，相关通常被低估（全距限制）。95% 区间为自助法（1000 次重抽样，固定种子）。少于 30 人时数字仅供参考，不能据此调整权重。",
    "Only hired people have later outcomes, so these relations are computed among them alone; with the range of levels restricted compared with all applicants, they usually understate the relation (restriction of range). 95% intervals by bootstrap (1,000 resamples, fixed seed). Below 30 people the numbers are for information only and cannot support a change of weights.",
);
pub const VALIDITY_NONE: T = T("尚未记录录用后结果。", "No later outcomes have been recorded yet.");
pub const WITH_OUTCOMES: T = T("有录用后结果的人数", "People with later outcomes");
pub const AI_RHO: T = T("AI ρ（95% 区间）", "AI ρ (95% interval)");
pub const RATERS_RHO: T = T("评分员 ρ（95% 区间）", "Raters ρ (95% interval)");
pub const TOTAL_ROW: T = T("总分", "Total");
pub const SUGGESTION: T = T("权重建议", "Suggested weights");
pub const SUGGESTION_METHOD: T = T(
    "方法：各维度以其 AI 等级与该结果的相关 95% 区间下限（低于 0 按 0 计）为证据，目标权重与证据成正比；每个维度一次最多移动 10 个百分点，总和保持 100%。建议不会自动应用。",
    "Method: each dimension's evidence is the lower end of the 95% interval of its AI level's relation to the outcome (0 when below zero); the target weights are proportional to the evidence; no weight moves more than 10 percentage points at once and they still sum to 100%. Nothing is applied automatically.",
);
pub const TODAY: T = T("现行", "Today");
pub const SUGGESTED: T = T("建议", "Suggested");
pub const EVIDENCE: T = T("证据", "Evidence");
pub const REPLAY: T = T(
    "若以往候选人按建议权重计分（推荐率与不利影响比，现行 → 建议）",
    "Had past candidates been scored with the suggested weights (selection rate and impact ratio, today → suggested)",
);
pub const BAND_CHANGES: T = T("档次改变的候选人", "Candidates whose band would change");
pub const FAILS: T = T("未通过", "fails");
// The audit export.
pub const PERIOD: T = T("期间", "Period");
pub const ENTRIES: T = T("本期间条目数", "Entries in the period");
pub const CHAIN: T = T("整个日志的哈希链", "Hash chain of the whole log");
pub const CHAIN_OK: T = T("完整：已逐条重算", "intact: every entry recomputed");
pub const CHAIN_ENTRIES: T =
    T("条（本次校验之前的全部条目；校验本身记为下一条）", "entries (all before this check, which is the next entry)");
pub const CHAIN_CHECKPOINTS: T = T("个签名检查点有效", "signed checkpoints valid");
pub const SEQ: T = T("序号", "Seq");
pub const ACTOR: T = T("操作者", "Actor");
pub const ROLE: T = T("角色", "Role");
pub const ACTION: T = T("操作", "Action");
pub const OBJECT: T = T("对象", "Object");
pub const OUTCOME: T = T("结果", "Outcome");
pub const DEVICE: T = T("设备", "Device");

pub fn band_name(band: Band) -> T {
    match band {
        Band::Recommend => T("推荐", "Recommend"),
        Band::Hold => T("待定", "Hold"),
        Band::NotRecommended => T("不推荐", "Not recommended"),
    }
}

pub fn band_color(band: Band) -> (f32, f32, f32) {
    match band {
        Band::Recommend => (0.1, 0.5, 0.25),
        Band::Hold => (0.6, 0.36, 0.0),
        Band::NotRecommended => (0.7, 0.15, 0.15),
    }
}

pub fn state_name(state: InterviewState) -> T {
    match state {
        InterviewState::Invited => T("已邀请", "Invited"),
        InterviewState::CheckedIn => T("已签到", "Checked in"),
        InterviewState::InProgress => T("面试中", "In progress"),
        InterviewState::Completed => T("已完成", "Completed"),
        InterviewState::Scored => T("已评分", "Scored"),
        InterviewState::Reviewed => T("已复核", "Reviewed"),
        InterviewState::Declined => T("已拒绝", "Declined"),
    }
}

pub fn flag_name(kind: FlagKind) -> T {
    match kind {
        FlagKind::NoSpeech => T("未检测到语音", "No speech detected"),
        FlagKind::WrongLanguage => T("作答语言与岗位不符", "Answer not in the job's language"),
        FlagKind::LongSilence => T("长时间沉默", "Long silence"),
        FlagKind::FaceAbsent => T("画面中无人脸", "No face in view"),
        FlagKind::MultipleFaces => T("画面中有多人", "More than one face in view"),
        FlagKind::LeftKiosk => T("作答时面试窗口被隐藏", "Interview window hidden during the answer"),
        FlagKind::RecognitionUncertain => T(
            "识别不确定：该维度评分仅依据识别不可靠的语句，请先听录音",
            "Recognition uncertain: this level rests only on words recognition was unsure of — listen before relying on it",
        ),
    }
}

pub fn flag_status(status: FlagStatus) -> T {
    match status {
        FlagStatus::Confirmed => T("已确认", "confirmed"),
        FlagStatus::Dismissed => T("已排除", "dismissed"),
        FlagStatus::Open => T("待复核", "open"),
    }
}

/// `m:ss` for a time in a recording.
pub fn clock(ms: u32) -> String {
    let s = ms / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// `2026-12-02 10:05 (UTC+08:00)`.
pub fn date_time(ms: i64, offset: UtcOffset) -> String {
    let stamp = timestamp(ms, offset);
    match stamp.get(..16) {
        Some(minutes) => format!("{minutes} ({})", zone(offset)),
        None => stamp,
    }
}

/// `2026-12-02 10:05:09` in the given offset (the zone is stated once, in the column header).
pub fn timestamp(ms: i64, offset: UtcOffset) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) else { return "—".into() };
    let t = t.to_offset(offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `UTC+08:00`.
pub fn zone(offset: UtcOffset) -> String {
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!("UTC{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_printed_in_the_given_zone_with_the_zone() {
        let offset = UtcOffset::from_hms(8, 0, 0).unwrap();
        // 2026-12-02 02:05:09 UTC
        let ms = 1_796_177_109_000;
        assert_eq!(timestamp(ms, offset), "2026-12-02 10:05:09");
        assert_eq!(date_time(ms, offset), "2026-12-02 10:05 (UTC+08:00)");
        assert_eq!(date_time(ms, UtcOffset::from_hms(-5, -30, 0).unwrap()), "2026-12-01 20:35 (UTC-05:30)");
        assert_eq!(clock(83_999), "1:23");
    }
}
