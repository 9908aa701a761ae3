import { useState } from "preact/hooks";
import { SignIn } from "../shared/signin";
import { useStaff } from "../shared/staff";
import { commands, errorText, textIn } from "../shared/api";
import { AreaFrame } from "../shared/area";
import type { StaffDto, VerifyReportDto_Serialize as VerifyReport } from "../shared/bindings";
import { useT } from "../shared/i18n";

export function AuditorArea() {
  const { t } = useT();
  const { staff, setStaff } = useStaff();
  return (
    <AreaFrame testId="area-auditor" title={t("auditor.title")} intro={t("auditor.intro")}>
      {staff === null ? <SignIn onSignedIn={setStaff} /> : <VerifyReportCard staff={staff} onSignedOut={() => setStaff(null)} />}
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
