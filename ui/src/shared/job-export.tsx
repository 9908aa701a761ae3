// A whole job's reports — every interviewed candidate's (signed when decided, a draft
// otherwise) and the job report — into a new folder, with a progress bar. The clerk and the
// auditor both use it; the backend asks for the password again.
import { Channel } from "@tauri-apps/api/core";
import { useState } from "preact/hooks";
import { commands } from "./api";
import type { ExportProgress, JobDto } from "./bindings";
import { formatText, useT } from "./i18n";
import { Alert, Done } from "./notice";
import { useSensitive } from "./reauth";
import { JobSelect } from "./job-select";
import { ExportedFile } from "./exported";

export function JobExport(props: { jobs: JobDto[] }) {
  const { t } = useT();
  const sensitive = useSensitive();
  const [jobId, setJobId] = useState<number | null>(null);
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [folder, setFolder] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const job = jobId ?? props.jobs[0]?.id ?? null;
  const run = async () => {
    if (job === null) return;
    setNotice(null);
    setFolder(null);
    setError(null);
    setProgress(null);
    // A channel per attempt: the backend closes a channel when its call returns, so the retry
    // after the password needs a fresh one.
    const r = await sensitive.run(() => {
      const channel = new Channel<ExportProgress>();
      channel.onmessage = setProgress;
      return commands.exportJobReports(job, channel);
    });
    if (r.ok) {
      setNotice(formatText(t("export.job.done"), { signed: String(r.data.signed), drafts: String(r.data.drafts) }));
      setFolder(r.data.folder);
    } else if (r.error !== "") setError(r.error);
  };
  return (
    <section class="card" aria-labelledby="export-job-title" data-testid="export-job">
      {sensitive.dialog}
      <h3 id="export-job-title">{t("export.job")}</h3>
      <p class="hint">{t("export.job.lead")}</p>
      <div class="form form--row">
        <JobSelect jobs={props.jobs} value={job} onChange={setJobId} testId="export-job-select" />
        <button type="button" class="button button--primary" disabled={job === null} onClick={() => void run()} data-testid="export-job-run">
          {t("export.job.run")}
        </button>
      </div>
      {progress !== null && (
        <p>
          <progress max={progress.total} value={progress.done} data-testid="export-progress" aria-label={t("export.job.progress")} />{" "}
          {formatText(t("export.job.count"), { done: String(progress.done), total: String(progress.total) })}
        </p>
      )}
      <Alert text={error} testId="export-error" />
      <Done text={notice} testId="export-notice" />
      {folder !== null && <ExportedFile path={folder} folder testId="export-job-exported" />}
    </section>
  );
}
