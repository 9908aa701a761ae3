// Every user-facing string, in both languages. The English table is typed against the Chinese
// one, so a key missing from either is a compile error.
import { createContext } from "preact";
import { useContext } from "preact/hooks";

export type Lang = "zh-CN" | "en";
export const LANGS: readonly Lang[] = ["zh-CN", "en"];

const zhCN = {
  "app.name": "面试一体机",
  "app.tagline": "本地部署的 AI 视频面试",
  "nav.label": "角色区域",
  "nav.admin": "管理员",
  "nav.clerk": "人事专员",
  "nav.kiosk": "面试终端",
  "nav.auditor": "审计员",
  "lang.switch": "English",
  "lang.switch.label": "切换到英文界面",
  "status.label": "系统状态",
  "status.version": "版本",
  "status.dataDir": "数据目录",
  "status.loading": "正在读取系统状态…",
  "status.components": "内置组件",
  "status.components.ok": "全部校验通过",
  "status.components.bad": "有组件未通过校验",
  "admin.title": "系统管理",
  "admin.intro": "管理员负责首次配置、账户与角色、面试终端设备和系统设置。",
  "admin.components.title": "内置组件校验",
  "admin.components.intro": "以下运行库和模型随软件安装，运行时不会下载任何内容。每个文件都与安装清单中的 SHA-256 校验值核对。",
  "admin.components.name": "组件",
  "admin.components.version": "版本",
  "admin.components.kind": "类型",
  "admin.components.licence": "许可证",
  "admin.components.state": "状态",
  "admin.components.verified": "已校验",
  "admin.components.none": "清单中没有组件。",
  "kind.runtime": "运行库",
  "kind.model": "模型",
  "clerk.title": "招聘工作台",
  "clerk.intro": "人事专员在这里设置岗位、胜任力维度和题库，导入候选人，发放邀请码，跟踪进度并复核评分。",
  "kiosk.title": "面试终端",
  "kiosk.intro": "候选人在锁定的全屏终端上回答面试问题。面试终端以独立的全屏窗口运行。",
  "auditor.title": "审计",
  "auditor.intro": "审计员以只读方式查看面试、评分与决定，核验审计日志链，并导出带数字签名的报告。",
  "signin.title": "工作人员登录",
  "signin.username": "用户名",
  "signin.password": "密码",
  "signin.submit": "登录",
  "signin.as": "已登录：",
  "signin.out": "退出登录",
  "verify.title": "核验报告",
  "verify.intro": "选择一份 PDF 报告：系统检查它的数字签名、签名是否覆盖整个文件、签名者，以及本机是否登记过完全相同的这份文件。",
  "verify.choose": "选择 PDF 文件",
  "verify.busy": "正在核验…",
  "verify.valid": "有效：这是本机构签发、未被改动的正式报告",
  "verify.invalid": "无效：不能作为正式报告使用",
  "verify.signer": "签名者",
  "verify.time": "签名时间",
  "verify.report": "报告编号",
  "verify.checkpoint": "审计检查点",
  "verify.whole": "签名覆盖整个文件",
  "verify.certified": "认证签名（禁止修改）",
  "verify.known": "与本机登记的文件一致",
  "verify.ours": "由本机构签名证书签署",
  "verify.yes": "是",
  "verify.no": "否",
  "error.title": "出现问题",
} as const;

export type Key = keyof typeof zhCN;

const en: Record<Key, string> = {
  "app.name": "Interview Kiosk",
  "app.tagline": "AI video interviews, on your premises",
  "nav.label": "Role areas",
  "nav.admin": "Administrator",
  "nav.clerk": "HR clerk",
  "nav.kiosk": "Kiosk",
  "nav.auditor": "Auditor",
  "lang.switch": "中文",
  "lang.switch.label": "Switch to the Chinese interface",
  "status.label": "System status",
  "status.version": "Version",
  "status.dataDir": "Data directory",
  "status.loading": "Reading the system status…",
  "status.components": "Bundled components",
  "status.components.ok": "all verified",
  "status.components.bad": "some failed verification",
  "admin.title": "Administration",
  "admin.intro": "Administrators run the first-time setup and manage accounts and roles, kiosk devices and settings.",
  "admin.components.title": "Bundled components",
  "admin.components.intro": "These runtime libraries and models ship with the app; nothing is downloaded at run time. Each file is checked against the SHA-256 in the installation manifest.",
  "admin.components.name": "Component",
  "admin.components.version": "Version",
  "admin.components.kind": "Kind",
  "admin.components.licence": "Licence",
  "admin.components.state": "State",
  "admin.components.verified": "Verified",
  "admin.components.none": "The manifest lists no components.",
  "kind.runtime": "Runtime library",
  "kind.model": "Model",
  "clerk.title": "Hiring workspace",
  "clerk.intro": "HR clerks set up jobs, competency dimensions and question banks, import candidates, issue access codes, follow progress and review scores here.",
  "kiosk.title": "Kiosk",
  "kiosk.intro": "Candidates answer interview questions at a locked, full-screen station. The kiosk runs in its own full-screen window.",
  "auditor.title": "Audit",
  "auditor.intro": "Auditors browse interviews, scores and decisions read-only, check the audit log's hash chain and export digitally signed reports.",
  "signin.title": "Staff sign-in",
  "signin.username": "Username",
  "signin.password": "Password",
  "signin.submit": "Sign in",
  "signin.as": "Signed in as",
  "signin.out": "Sign out",
  "verify.title": "Verify a report",
  "verify.intro": "Choose a PDF report: its digital signature is checked, whether it covers the whole file, who signed it, and whether this machine registered exactly this file.",
  "verify.choose": "Choose a PDF file",
  "verify.busy": "Verifying…",
  "verify.valid": "Valid: a final report signed by this organisation, unaltered",
  "verify.invalid": "Invalid: not to be used as a final report",
  "verify.signer": "Signer",
  "verify.time": "Signing time",
  "verify.report": "Report id",
  "verify.checkpoint": "Audit checkpoint",
  "verify.whole": "Signature covers the whole file",
  "verify.certified": "Certified, no changes permitted",
  "verify.known": "Identical to the file registered here",
  "verify.ours": "Signed with this organisation's certificate",
  "verify.yes": "yes",
  "verify.no": "no",
  "error.title": "Something went wrong",
};

export const DICTIONARIES: Record<Lang, Record<Key, string>> = { "zh-CN": zhCN, en };

export function translate(lang: Lang, key: Key): string {
  return DICTIONARIES[lang][key];
}

export function parseLang(value: string | null | undefined): Lang {
  return value === "en" ? "en" : "zh-CN";
}

export interface LangState {
  lang: Lang;
  setLang: (lang: Lang) => void;
}

export const LangContext = createContext<LangState>({ lang: "zh-CN", setLang: () => {} });

/// The current language and a translator bound to it.
export function useT(): { lang: Lang; t: (key: Key) => string; setLang: (lang: Lang) => void } {
  const { lang, setLang } = useContext(LangContext);
  return { lang, setLang, t: (key: Key) => translate(lang, key) };
}
