import { useEffect, useState } from "preact/hooks";
import { SignIn } from "../shared/signin";
import { useStaff } from "../shared/staff";
import { commands, errorText, textIn } from "../shared/api";
import { runCommand } from "../shared/call";
import type { AuditChainDto, AuditEntryDto } from "../shared/bindings";
import { formatText } from "../shared/i18n";
import { AreaFrame } from "../shared/area";
import type { StaffDto, VerifyReportDto_Serialize as VerifyReport } from "../shared/bindings";
import { useT } from "../shared/i18n";

export function AuditorArea() {
  const { t } = useT();
  const { staff, setStaff } = useStaff();
  return (
    <AreaFrame testId="area-auditor" title={t("auditor.title")} intro={t("auditor.intro")}>
      {staff === null ? (
        <SignIn onSignedIn={setStaff} />
      ) : (
        <>
          <VerifyReportCard staff={staff} onSignedOut={() => setStaff(null)} />
          <AuditLog />
        </>
      )}
    </AreaFrame>
  );
}

/// Choose a report PDF; the backend checks its signature, its coverage, its signer, and whether
/// this vault registered exactly this file under its report id.
function VerifyReportCard(props: { staff: StaffDto; onSignedOut: () => void }) {
  const { t, lang } = useT();
  const [result, setResult] = useState<VerifyReport | null>(null);
  const [file, setFile] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const choose = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const chosen = input.files?.[0];
    if (chosen === undefined) return;
    setBusy(true);
    setError(null);
    setResult(null);
    setFile(chosen.name);
    try {
      const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
      const answer = await commands.verifyReport(bytes);
      if (answer.status === "ok") setResult(answer.data);
      else setError(errorText(answer.error, lang));
    } catch (e) {
      setError(errorText(e, lang));
    } finally {
      setBusy(false);
      input.value = "";
    }
  };
  const signOut = async () => {
    await commands.staffSignOut().catch(() => undefined);
    props.onSignedOut();
  };
  const yesNo = (value: boolean) => (value ? t("verify.yes") : t("verify.no"));
  return (
    <section class="card" aria-labelledby="verify-title" data-testid="verify">
      <p class="signed-in">
        <span data-testid="signed-in-as">{`${t("signin.as")} ${props.staff.username}`}</span>{" "}
        <button type="button" class="button button--quiet" onClick={signOut} data-testid="sign-out">
          {t("signin.out")}
        </button>
      </p>
      <h3 id="verify-title">{t("verify.title")}</h3>
      <p>{t("verify.intro")}</p>
      <label class="file">
        {t("verify.choose")}
        <input type="file" accept="application/pdf,.pdf" onChange={choose} disabled={busy} data-testid="verify-file" />
      </label>
      {busy && <p aria-live="polite">{t("verify.busy")}</p>}
      {error !== null && (
        <p role="alert" class="bad" data-testid="verify-error">
          {error}
        </p>
      )}
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

/// The audit log: the chain's state (recomputed on request; the check is itself audited) and
/// the latest entries, filtered by object and to refusals. The backend decides who may read it.
function AuditLog() {
  const { t, lang } = useT();
  const [entries, setEntries] = useState<AuditEntryDto[] | null>(null);
  const [chain, setChain] = useState<AuditChainDto | null>(null);
  const [object, setObject] = useState("");
  const [problemsOnly, setProblemsOnly] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    const result = await runCommand(() => commands.auditEntries(object, problemsOnly, 200), lang);
    if (result.ok) {
      setEntries(result.data);
      setError(null);
    } else setError(result.error);
  };
  const check = async () => {
    const result = await runCommand(() => commands.auditChain(), lang);
    if (result.ok) setChain(result.data);
    else setError(result.error);
  };
  useEffect(() => void load(), [problemsOnly]);
  const time = new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "medium" });
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
              ? formatText(t("audit.chain.ok"), { entries: new Intl.NumberFormat(lang).format(chain.entries), checkpoints: String(chain.checkpoints), head: chain.head })
              : `${t("audit.chain.bad")} ${chain.problem ? textIn(chain.problem, lang) : ""}`}
          </span>
        )}
      </p>
      <form
        class="form audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <label>
          {t("audit.filter.object")}
          <input value={object} onInput={(e) => setObject(e.currentTarget.value)} placeholder="interview:12" data-testid="audit-object" />
        </label>
        <label class="inline">
          <input type="checkbox" checked={problemsOnly} onChange={(e) => setProblemsOnly(e.currentTarget.checked)} data-testid="audit-problems" />
          {t("audit.filter.problems")}
        </label>
        <button type="submit" class="button button--quiet">
          {t("audit.filter.apply")}
        </button>
      </form>
      {error !== null && (
        <p role="alert" class="bad" data-testid="audit-error">
          {error}
        </p>
      )}
      {entries !== null && entries.length === 0 && <p>{t("audit.empty")}</p>}
      {entries !== null && entries.length > 0 && (
        <table data-testid="audit-entries">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t("audit.col.time")}</th>
              <th scope="col">{t("audit.col.actor")}</th>
              <th scope="col">{t("audit.col.action")}</th>
              <th scope="col">{t("audit.col.object")}</th>
              <th scope="col">{t("audit.col.outcome")}</th>
              <th scope="col">{t("audit.col.device")}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq} data-outcome={e.outcome}>
                <td>{e.seq}</td>
                <td>{time.format(new Date(e.atMs ?? 0))}</td>
                <td>{`${e.actor} (${e.role})`}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  <code>{e.object}</code>
                </td>
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
