// Importing candidates from the HRMS's CSV or XLSX file: the columns as guessed from the
// headers (each changeable), the first rows as they would be imported, every problem with its
// line; then one transaction — every row, or only the good ones if the clerk chooses.
import { useState } from "preact/hooks";
import { commands } from "../shared/api";
import type { ImportMappingDto, ImportPreviewDto, JobDto } from "../shared/bindings";
import { runCommand } from "../shared/call";
import { textIn } from "../shared/api";
import { type Key, formatText, useT } from "../shared/i18n";
import { Alert, Done } from "../shared/notice";
import { JobSelect } from "../shared/job-select";
import { FileInput } from "../shared/form";

const FIELDS: { key: keyof ImportMappingDto; label: Key }[] = [
  { key: "name", label: "candidates.name" },
  { key: "idNumber", label: "candidates.idNumber" },
  { key: "phone", label: "candidates.phone" },
  { key: "email", label: "import.email" },
  { key: "group", label: "candidates.group" },
  { key: "education", label: "resume.education" },
  { key: "major", label: "resume.major" },
  { key: "years", label: "resume.years" },
  { key: "employers", label: "resume.employers" },
  { key: "roles", label: "resume.roles" },
  { key: "skills", label: "resume.skills" },
  { key: "resumeText", label: "resume.text" },
];

export function ImportCard(props: { jobs: JobDto[]; onImported: () => void }) {
  const { t, lang } = useT();
  const [jobId, setJobId] = useState(props.jobs[0]?.id ?? 0);
  const [file, setFile] = useState<{ name: string; bytes: number[] } | null>(null);
  const [preview, setPreview] = useState<ImportPreviewDto | null>(null);
  const [skip, setSkip] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const check = async (bytes: number[], mapping: ImportMappingDto | null, job = jobId) => {
    setNotice(null);
    const r = await runCommand(() => commands.clerkImportPreview(job, bytes, mapping), lang);
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
    setSkip(false);
    await check(bytes, null);
    input.value = "";
  };
  const remap = (key: keyof ImportMappingDto, value: string) => {
    if (file === null || preview === null) return;
    void check(file.bytes, { ...preview.mapping, [key]: value === "" ? null : Number(value) });
  };
  const run = async () => {
    if (file === null || preview === null) return;
    const r = await runCommand(() => commands.clerkImport(jobId, file.bytes, preview.mapping, skip), lang);
    if (r.ok) {
      setNotice(formatText(t("import.done"), { n: String(r.data), file: file.name }));
      setError(null);
      setPreview(null);
      setFile(null);
      props.onImported();
    } else setError(r.error);
  };
  return (
    <section class="card" aria-labelledby="import-title" data-testid="import">
      <h3 id="import-title">{t("import.title")}</h3>
      <p class="hint">{t("import.lead")}</p>
      <div class="form form--row">
        <JobSelect
          jobs={props.jobs}
          value={jobId}
          onChange={(job) => {
            if (job === null) return;
            setJobId(job);
            if (file !== null) void check(file.bytes, preview?.mapping ?? null, job);
          }}
          testId="import-job"
        />
        <FileInput
          label={t("import.choose")}
          accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          onChange={choose}
          testId="import-file"
        />
      </div>
      {preview !== null && file !== null && (
        <div data-testid="import-preview">
          <h4>{formatText(t("import.columns"), { file: file.name })}</h4>
          <div class="form form--row">
            {FIELDS.map((f) => (
              <label key={f.key}>
                {t(f.label)}
                <select value={preview.mapping[f.key] === null ? "" : String(preview.mapping[f.key])} onChange={(e) => remap(f.key, e.currentTarget.value)} data-testid={`import-map-${f.key}`}>
                  <option value="">{t("import.none")}</option>
                  {preview.headers.map((h, i) => (
                    <option key={i} value={String(i)}>
                      {h === "" ? formatText(t("import.column"), { n: String(i + 1) }) : h}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </div>
          <p class={preview.problemRows === 0 ? "ok" : "bad"} role="status" data-testid="import-counts">
            {formatText(t("import.counts"), { good: String(preview.good), bad: String(preview.problemRows) })}
          </p>
          {preview.rows.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("import.line")}</th>
                  {FIELDS.map((f) => (
                    <th key={f.key} scope="col">
                      {t(f.label)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((r) => (
                  <tr key={r.line}>
                    <td>{r.line}</td>
                    <td>{r.name}</td>
                    <td>{r.idNumber ?? ""}</td>
                    <td>{r.phone ?? ""}</td>
                    <td>{r.email ?? ""}</td>
                    <td>{r.group ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {preview.problems.length > 0 && (
            <>
              <h4>{t("import.problems")}</h4>
              <ul class="bad" data-testid="import-problems">
                {preview.problems.map((p, i) => (
                  <li key={i}>{formatText(t("import.problem"), { line: String(p.line), column: p.column ?? "—", what: textIn(p.message, lang) })}</li>
                ))}
              </ul>
              <label class="inline">
                <input type="checkbox" checked={skip} onChange={(e) => setSkip(e.currentTarget.checked)} data-testid="import-skip" />
                {t("import.skip")}
              </label>
            </>
          )}
          <p class="actions">
            <button type="button" class="button button--primary" disabled={preview.good === 0 || (preview.problemRows > 0 && !skip)} onClick={() => void run()} data-testid="import-run">
              {formatText(t("import.run"), { n: String(preview.good) })}
            </button>
          </p>
        </div>
      )}
      <Alert text={error} testId="import-error" />
      <Done text={notice} testId="import-done" />
    </section>
  );
}
