// Importing hired people's later records (probation, ratings, leaving) from the HRMS's CSV or
// XLSX file into a job, on the validity screen (clerks): the columns found, every problem with
// its line, then one transaction — every row, or only the good ones if the clerk chooses
// (the candidate import, clerk/import.tsx, works the same way).
import { useState } from "preact/hooks";
import { commands, textIn } from "./api";
import type { OutcomePreviewDto_Serialize as OutcomePreviewDto, RatingScale } from "./bindings";
import { runCommand } from "./call";
import { FileInput } from "./form";
import { formatText, useT } from "./i18n";
import { Alert, Done } from "./notice";
import { SCALES, SCALE_LABEL, member } from "./vocabulary";

export function OutcomeImport(props: { jobId: number; onImported: () => void }) {
  const { t, lang } = useT();
  const [scale, setScale] = useState<RatingScale>(SCALES[0] ?? "grades4");
  const [file, setFile] = useState<{ name: string; bytes: number[] } | null>(null);
  const [preview, setPreview] = useState<OutcomePreviewDto | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const check = async (bytes: number[], scaleNow: RatingScale) => {
    setNotice(null);
    const r = await runCommand(() => commands.outcomesPreview(props.jobId, bytes, scaleNow), lang);
    if (r.ok) {
      setPreview(r.data);
      setError(null);
    } else {
      setPreview(null);
      setError(r.error);
    }
  };
  const choose = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const chosen = input.files?.[0];
    if (chosen === undefined) return;
    const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
    setFile({ name: chosen.name, bytes });
    await check(bytes, scale);
    input.value = "";
  };
  const run = async (skipProblemRows: boolean) => {
    if (file === null) return;
    setBusy(true);
    const r = await runCommand(() => commands.outcomesImport(props.jobId, file.bytes, scale, skipProblemRows), lang);
    setBusy(false);
    if (r.ok) {
      setNotice(formatText(t("outcomes.done"), { n: String(r.data), file: file.name }));
      setError(null);
      setPreview(null);
      setFile(null);
      props.onImported();
    } else setError(r.error);
  };
  return (
    <section class="card" aria-labelledby="outcomes-title" data-testid="outcomes-import">
      <h3 id="outcomes-title">{t("outcomes.title")}</h3>
      <p class="hint">{t("outcomes.lead")}</p>
      <div class="form form--row">
        <label>
          {t("outcomes.scale")}
          <select
            value={scale}
            onChange={(e) => {
              const next = member(SCALES, e.currentTarget.value);
              setScale(next);
              if (file !== null) void check(file.bytes, next);
            }}
            data-testid="outcomes-scale"
          >
            {SCALES.map((s) => (
              <option key={s} value={s}>
                {t(SCALE_LABEL[s])}
              </option>
            ))}
          </select>
        </label>
        <FileInput label={t("outcomes.choose")} accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange={choose} disabled={busy} testId="outcomes-file" />
      </div>
      {preview !== null && file !== null && (
        <div data-testid="outcomes-preview">
          <p class="hint">{formatText(t("outcomes.columns"), { file: file.name, headers: preview.headers.join(t("validity.join")) })}</p>
          <p class={preview.problemRows === 0 ? "ok" : "bad"} role="status" data-testid="outcomes-counts">
            {formatText(t("outcomes.counts"), { good: String(preview.good), bad: String(preview.problemRows) })}
          </p>
          {preview.problems.length > 0 && (
            <>
              <h4>{t("outcomes.problems")}</h4>
              <ul class="bad" data-testid="outcomes-problems">
                {preview.problems.map((p, i) => (
                  <li key={i} data-line={p.line}>
                    {formatText(t("import.problem"), { line: String(p.line), column: p.column ?? "—", what: textIn(p.message, lang) })}
                  </li>
                ))}
              </ul>
            </>
          )}
          <p class="actions">
            <button type="button" class="button button--primary" disabled={busy || preview.good + preview.problemRows === 0} onClick={() => void run(false)} data-testid="outcomes-run-all">
              {t("outcomes.runAll")}
            </button>
            {preview.problemRows > 0 && preview.good > 0 && (
              <button type="button" class="button" disabled={busy} onClick={() => void run(true)} data-testid="outcomes-run-good">
                {formatText(t("outcomes.runGood"), { n: String(preview.good) })}
              </button>
            )}
          </p>
        </div>
      )}
      <Alert text={error} testId="outcomes-error" />
      <Done text={notice} testId="outcomes-done" />
    </section>
  );
}
