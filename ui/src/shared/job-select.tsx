// The "which job" field of the clerk's and auditor's forms, optionally with an "all jobs" choice.
import type { JobDto } from "./bindings";
import { useT } from "./i18n";

export function JobSelect(props: { jobs: JobDto[]; value: number | null; onChange: (job: number | null) => void; all?: boolean; testId: string }) {
  const { t } = useT();
  return (
    <label>
      {t("candidates.job")}
      <select value={props.value === null ? "" : String(props.value)} onChange={(e) => props.onChange(e.currentTarget.value === "" ? null : Number(e.currentTarget.value))} data-testid={props.testId}>
        {props.all === true && <option value="">{t("candidates.allJobs")}</option>}
        {props.jobs.map((j) => (
          <option key={j.id} value={String(j.id)}>
            {j.title}
          </option>
        ))}
      </select>
    </label>
  );
}
