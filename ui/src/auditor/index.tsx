import { useEffect, useState } from "preact/hooks";
import { AREA_ROLES, OtherRole, SignIn, SignedIn } from "../shared/signin";
import { CandidateBrowser } from "../shared/candidates";
import { JobExport } from "../shared/job-export";
import { useSensitive } from "../shared/reauth";
import { ReviewScreen } from "../shared/review";
import { go, useRest } from "../shared/router";
import { useStaff } from "../shared/staff";
import { commands, errorText, textIn } from "../shared/api";
import { runCommand } from "../shared/call";
import type { AuditChainDto, AuditListDto, JobDto } from "../shared/bindings";
import { ROLE_LABEL } from "../shared/vocabulary";
import { type Key, formatText } from "../shared/i18n";
import { AreaFrame } from "../shared/area";
import { MAX_REPORT_BYTES, type VerifyReportDto_Serialize as VerifyReport } from "../shared/bindings";
import { useT } from "../shared/i18n";
import { Alert, Done } from "../shared/notice";
import { FileInput, Form } from "../shared/form";
import { ExportedFile } from "../shared/exported";
import { ValidityScreen } from "../shared/validity";

const TABS = ["interviews", "exports", "verify", "audit", "validity"] as const;
type Tab = (typeof TABS)[number];
const ADMIN_TABS: readonly Tab[] = ["audit", "verify"];

export function AuditorArea() {
  const { t } = useT();
  const { staff, setStaff } = useStaff();
  return (
    <AreaFrame testId="area-auditor" title={t("auditor.title")} intro={t("auditor.intro")}>
      {staff === null ? (
        <SignIn onSignedIn={setStaff} />
      ) : !AREA_ROLES.auditor.includes(staff.role) ? (
        <OtherRole area="auditor" />
      ) : (
        <AuditorWorkspace admin={staff.role === "admin"} />
      )}
    </AreaFrame>
  );
}

/// `admin`: an administrator, who answers for the installation, reads and verifies the audit
/// log and verifies reports here, but does not see candidates.
function AuditorWorkspace(props: { admin: boolean }) {
  const { t, lang } = useT();
  const rest = useRest();
  const [jobs, setJobs] = useState<JobDto[]>([]);
  const [dropped, setDropped] = useState<File | null>(null);
  useEffect(() => {
    void runCommand(() => commands.clerkJobs(), lang).then((r) => r.ok && setJobs(r.data));
  }, []);
  // A PDF dropped anywhere on the window is verified.
  useEffect(() => {
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      const file = e.dataTransfer?.files[0];
      if (file !== undefined) {
        setDropped(file);
        go("auditor", "verify");
      }
    };
    window.addEventListener("dragover", over);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragover", over);
      window.removeEventListener("drop", drop);
    };
  }, []);
  const tabs: readonly Tab[] = props.admin ? ADMIN_TABS : TABS;
  const tab: Tab = (tabs as readonly string[]).includes(rest[0] ?? "") ? (rest[0] as Tab) : tabs[0] ?? "audit";
  const review = rest[0] === "review" ? rest[1] ?? "" : null;
  return (
    <>
      <SignedIn />
      <nav class="tabs" aria-label={t("clerk.tabs")}>
        {tabs.map((name) => (
          <a key={name} href={`#/auditor/${name}`} aria-current={review === null && name === tab ? "page" : undefined} data-testid={`tab-${name}`}>
            {t(`auditor.tab.${name}` as Key)}
          </a>
        ))}
      </nav>
      {review !== null ? (
        <ReviewScreen key={review} candidateId={review.startsWith("c") ? Number(review.slice(1)) : undefined} interviewId={review.startsWith("i") ? Number(review.slice(1)) : undefined} onBack={() => window.history.back()} />
      ) : tab === "interviews" ? (
        <section class="card" aria-labelledby="interviews-title">
          <h3 id="interviews-title">{t("auditor.interviews")}</h3>
          <p class="hint">{t("auditor.interviews.lead")}</p>
          <CandidateBrowser jobs={jobs} onOpen={(id) => go("auditor", "review", `c${id}`)} />
        </section>
      ) : tab === "exports" ? (
        <Exports jobs={jobs} />
      ) : tab === "validity" ? (
        <ValidityScreen jobs={jobs} />
      ) : tab === "verify" ? (
        <VerifyReportCard dropped={dropped} />
      ) : (
        <AuditLog />
      )}
    </>
  );
}

/// A whole job's signed reports (shared with the clerk), and the audit log as a signed PDF + CSV.
/// Both ask for the password again (the backend requires it).
function Exports(props: { jobs: JobDto[] }) {
  const { t } = useT();
  const sensitive = useSensitive();
  const [days, setDays] = useState("30");
  const [notice, setNotice] = useState<string | null>(null);
  const [auditPath, setAuditPath] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const exportAudit = async () => {
    setNotice(null);
    setAuditPath(null);
    setError(null);
    const r = await sensitive.run(() => commands.exportAuditLog(Number(days) || 30));
    if (r.ok) {
      setNotice(formatText(t("export.audit.done"), { id: r.data.reportId }));
      setAuditPath(r.data.path);
    } else if (r.error !== "") setError(r.error);
  };
  return (
    <>
      <JobExport jobs={props.jobs} />
      {sensitive.dialog}
      <section class="card" aria-labelledby="export-audit-title" data-testid="export-audit">
        <h3 id="export-audit-title">{t("export.audit")}</h3>
        <p class="hint">{t("export.audit.lead")}</p>
        <div class="form form--row">
          <label>
            {t("export.audit.days")}
            <input type="number" min="1" max="3660" value={days} onInput={(e) => setDays(e.currentTarget.value)} />
          </label>
          <button type="button" class="button" onClick={() => void exportAudit()} data-testid="export-audit-run">
            {t("export.audit.run")}
          </button>
        </div>
        <Alert text={error} testId="export-error" />
        <Done text={notice} testId="export-notice" />
        {auditPath !== null && <ExportedFile path={auditPath} testId="export-audit-exported" />}
      </section>
    </>
  );
}

/// Choose a report PDF; the backend checks its signature, its coverage, its signer, and whether
/// this vault registered exactly this file under its report id.
function VerifyReportCard(props: { dropped: File | null }) {
  const { t, lang } = useT();
  const [result, setResult] = useState<VerifyReport | null>(null);
  const [file, setFile] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const verify = async (chosen: File) => {
    setBusy(true);
    setError(null);
    setResult(null);
    setFile(chosen.name);
    try {
      // Refused before it is read into the page (the backend refuses it too).
      if (chosen.size > MAX_REPORT_BYTES) {
        const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
        setError(formatText(t("verify.tooLarge"), { size: mb(chosen.size), max: mb(MAX_REPORT_BYTES) }));
        return;
      }
      const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
      const answer = await commands.verifyReport(bytes);
      if (answer.status === "ok") setResult(answer.data);
      else setError(errorText(answer.error, lang));
    } catch (e) {
      setError(errorText(e, lang));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (props.dropped !== null) void verify(props.dropped);
  }, [props.dropped]);
  const choose = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const chosen = input.files?.[0];
    if (chosen === undefined) return;
    await verify(chosen);
    input.value = "";
  };
  const yesNo = (value: boolean) => (value ? t("verify.yes") : t("verify.no"));
  return (
    <section class="card" aria-labelledby="verify-title" data-testid="verify">
      <h3 id="verify-title">{t("verify.title")}</h3>
      <p>{t("verify.intro")}</p>
      <p class="hint">{t("verify.drop")}</p>
      <FileInput label={t("verify.choose")} accept="application/pdf,.pdf" onChange={choose} disabled={busy} testId="verify-file" />
      {busy && <p aria-live="polite">{t("verify.busy")}</p>}
      <Alert text={error} testId="verify-error" />
      {result !== null && (
        <div aria-live="polite" data-testid="verify-result">
          <p class={result.valid ? "verdict ok" : "verdict bad"} data-testid="verify-verdict">
            {`${file ?? ""}: ${result.valid ? t("verify.valid") : t("verify.invalid")}`}
          </p>
          {result.problems.length > 0 && (
            <ul class="bad" data-testid="verify-problems">
              {result.problems.map((p) => (
                <li key={p.en}>{textIn(p, lang)}</li>
              ))}
            </ul>
          )}
          <dl class="facts">
            <dt>{t("verify.signer")}</dt>
            <dd data-testid="verify-signer">{result.signer ?? "—"}</dd>
            <dt>{t("verify.time")}</dt>
            <dd>{formatPdfDate(result.signingTime, lang)}</dd>
            <dt>{t("verify.report")}</dt>
            <dd data-testid="verify-report-id">{result.reportId ?? "—"}</dd>
            <dt>{t("verify.checkpoint")}</dt>
            <dd>{result.auditCheckpoint ?? "—"}</dd>
            <dt>{t("verify.whole")}</dt>
            <dd>{yesNo(result.wholeDocument)}</dd>
            <dt>{t("verify.certified")}</dt>
            <dd>{yesNo(result.certified)}</dd>
            <dt>{t("verify.known")}</dt>
            <dd>{yesNo(result.knownToVault && result.identicalToRegistered)}</dd>
            <dt>{t("verify.ours")}</dt>
            <dd>{yesNo(result.signedByUs)}</dd>
          </dl>
        </div>
      )}
    </section>
  );
}

/// `D:20261202031757+08'00'` → a date and time in the reader's language.
export function formatPdfDate(value: string | null, lang: string): string {
  const m = value?.match(/^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:([+-])(\d{2})'(\d{2}))?/);
  if (!m) return value ?? "—";
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const zone = sign ? `${sign}${oh}:${om}` : "Z";
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`);
  if (Number.isNaN(date.getTime())) return value ?? "—";
  return new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "medium", timeZone: sign ? undefined : "UTC" }).format(date);
}

/// The kinds of object the log can be filtered by (the codes the vault records).
const OBJECT_KINDS = ["interview", "candidate", "answer", "job", "question", "user", "report", "station", "invitation"] as const;

/// The audit log: the chain's state (recomputed on request; the check is itself audited) and
/// the latest entries in people's words, filtered by account, object and refusals. The entry
/// each saved video segment makes is left out unless asked for. The backend decides who may read it.
function AuditLog() {
  const { t, lang } = useT();
  const [list, setList] = useState<AuditListDto | null>(null);
  const [chain, setChain] = useState<AuditChainDto | null>(null);
  const [who, setWho] = useState("");
  const [kind, setKind] = useState("");
  const [objectId, setObjectId] = useState("");
  const [problemsOnly, setProblemsOnly] = useState(false);
  const [showSegments, setShowSegments] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    const id = objectId.trim();
    if (id !== "" && !/^[0-9]+$/.test(id)) {
      setError(t("audit.filter.idInvalid"));
      return;
    }
    const object = kind === "" ? "" : `${kind}:${id}`;
    const result = await runCommand(() => commands.auditEntries({ who, object, problemsOnly, showSegments }, 200), lang);
    if (result.ok) {
      setList(result.data);
      setError(null);
    } else setError(result.error);
  };
  const check = async () => {
    const result = await runCommand(() => commands.auditChain(), lang);
    if (result.ok) setChain(result.data);
    else setError(result.error);
  };
  useEffect(() => void load(), [problemsOnly, showSegments]);
  const time = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "medium" });
  const number = new Intl.NumberFormat(lang);
  return (
    <section class="card" aria-labelledby="audit-title" data-testid="audit-log">
      <h3 id="audit-title">{t("audit.title")}</h3>
      <p>{t("audit.intro")}</p>
      <p>
        <button type="button" class="button button--primary" onClick={() => void check()} data-testid="audit-check">
          {t("audit.chain.check")}
        </button>{" "}
        {chain !== null && (
          <span class={chain.intact ? "ok" : "bad"} role="status" data-testid="audit-chain">
            {chain.intact
              ? `${formatText(t("audit.chain.ok"), { entries: number.format(chain.entries), head: chain.head })} ${
                  chain.checkpoints === 0
                    ? formatText(t("audit.chain.noCheckpointYet"), { every: number.format(chain.checkpointEvery) })
                    : formatText(t("audit.chain.checkpoints"), { checkpoints: number.format(chain.checkpoints) })
                }`
              : `${t("audit.chain.bad")} ${chain.problem ? textIn(chain.problem, lang) : ""}`}
          </span>
        )}
      </p>
      <Form
        class="form audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <label>
          {t("audit.filter.who")}
          <input value={who} onInput={(e) => setWho(e.currentTarget.value)} data-testid="audit-who" />
        </label>
        <label>
          {t("audit.filter.kind")}
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value)} data-testid="audit-kind">
            <option value="">{t("audit.filter.kind.any")}</option>
            {OBJECT_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`audit.kind.${k}` as Key)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("audit.filter.id")}
          <input value={objectId} inputMode="numeric" disabled={kind === ""} onInput={(e) => setObjectId(e.currentTarget.value)} data-testid="audit-object-id" />
        </label>
        <label class="inline">
          <input type="checkbox" checked={problemsOnly} onChange={(e) => setProblemsOnly(e.currentTarget.checked)} data-testid="audit-problems" />
          {t("audit.filter.problems")}
        </label>
        <label class="inline">
          <input type="checkbox" checked={showSegments} onChange={(e) => setShowSegments(e.currentTarget.checked)} data-testid="audit-segments" />
          {t("audit.filter.segments")}
        </label>
        <button type="submit" class="button button--quiet" data-testid="audit-apply">
          {t("audit.filter.apply")}
        </button>
      </Form>
      <Alert text={error} testId="audit-error" />
      {list !== null && list.hiddenSegments > 0 && (
        <p class="hint" data-testid="audit-hidden-segments">
          {formatText(t("audit.segmentsHidden"), { n: number.format(list.hiddenSegments) })}
        </p>
      )}
      {list !== null && list.entries.length === 0 && <p>{t("audit.empty")}</p>}
      {list !== null && list.entries.length > 0 && (
        <table data-testid="audit-entries">
          <thead>
            <tr>
              <th scope="col">{t("audit.col.seq")}</th>
              <th scope="col">{t("audit.col.time")}</th>
              <th scope="col">{t("audit.col.actor")}</th>
              <th scope="col">{t("audit.col.action")}</th>
              <th scope="col">{t("audit.col.object")}</th>
              <th scope="col">{t("audit.col.outcome")}</th>
              <th scope="col">{t("audit.col.device")}</th>
            </tr>
          </thead>
          <tbody>
            {list.entries.map((e) => (
              <tr key={e.seq} data-outcome={e.outcome} data-action={e.action}>
                <td>{e.seq}</td>
                <td>{time.format(new Date(e.atMs ?? 0))}</td>
                <td>{formatText(t("audit.actor"), { name: e.actor === "-" ? t("audit.actor.nobody") : e.actor, role: e.role == null ? t("audit.role.api") : t(ROLE_LABEL[e.role]) })}</td>
                <td title={e.action}>{e.actionText == null ? e.action : textIn(e.actionText, lang)}</td>
                <td title={e.object}>{textIn(e.objectText, lang)}</td>
                <td class={e.outcome === "ok" ? "ok" : "bad"}>{t(e.outcome === "ok" ? "audit.outcome.ok" : e.outcome === "denied" ? "audit.outcome.denied" : "audit.outcome.failed")}</td>
                <td>{e.device}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
