// The candidate list, shared by the clerk (who selects candidates to invite) and the auditor
// (who opens interviews read-only). Filtering and paging run in the vault (indexed queries);
// an answer to an older query is dropped, so the table always shows the latest filter.
import { useEffect, useRef, useState } from "preact/hooks";
import { commands } from "./api";
import type { CandidateRowDto, InterviewState, JobDto } from "./bindings";
import { runCommand } from "./call";
import { formatText, useT } from "./i18n";
import { Alert } from "./notice";
import { JobSelect } from "./job-select";
import { STATES, member, stateKey } from "./vocabulary";
import { Form } from "./form";

export const PAGE_SIZE = 50;

export function CandidateBrowser(props: {
  jobs: JobDto[];
  selected?: Set<number>;
  onSelect?: (selected: Set<number>) => void;
  onOpen: (candidateId: number) => void;
  /// The candidate's page (résumé facts, personalised questions), for clerks.
  onProfile?: (candidateId: number) => void;
  reload?: number;
  /// The state filter to start with.
  initialState?: InterviewState | null;
}) {
  const { t, lang } = useT();
  const [jobId, setJobId] = useState<number | null>(null);
  const [prefix, setPrefix] = useState("");
  const [state, setState] = useState<InterviewState | null>(props.initialState ?? null);
  const [offset, setOffset] = useState(0);
  const [rows, setRows] = useState<CandidateRowDto[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);
  useEffect(() => {
    const ticket = ++latest.current;
    void runCommand(() => commands.clerkCandidates({ jobId, namePrefix: prefix, state, offset, limit: PAGE_SIZE }), lang).then((r) => {
      if (ticket !== latest.current) return;
      if (r.ok) {
        setRows(r.data.rows);
        setHasMore(r.data.hasMore);
        setError(null);
        // For the benchmark (tests/benches/workspace.rs): a count of pages painted.
        requestAnimationFrame(() => {
          document.body.dataset.candidatesPainted = String(Number(document.body.dataset.candidatesPainted ?? 0) + 1);
        });
      } else setError(r.error);
    });
  }, [jobId, prefix, state, offset, props.reload]);
  const jobTitle = (id: number) => props.jobs.find((j) => j.id === id)?.title ?? `#${id}`;
  const selected = props.selected;
  const toggle = (id: number) => {
    if (selected === undefined || props.onSelect === undefined) return;
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    props.onSelect(next);
  };
  return (
    <div data-testid="candidates">
      <Form class="form form--row" onSubmit={(e) => e.preventDefault()} role="search">
        <JobSelect
          jobs={props.jobs}
          value={jobId}
          onChange={(job) => {
            setJobId(job);
            setOffset(0);
          }}
          all
          testId="candidates-job"
        />
        <label>
          {t("candidates.name")}
          <input
            value={prefix}
            onInput={(e) => {
              setPrefix(e.currentTarget.value);
              setOffset(0);
            }}
            placeholder={t("candidates.namePlaceholder")}
            data-testid="candidates-search"
          />
        </label>
        <label>
          {t("candidates.state")}
          <select
            value={state ?? ""}
            onChange={(e) => {
              setState(e.currentTarget.value === "" ? null : member(STATES, e.currentTarget.value));
              setOffset(0);
            }}
            data-testid="candidates-state"
          >
            <option value="">{t("candidates.allStates")}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(stateKey(s))}
              </option>
            ))}
          </select>
        </label>
      </Form>
      <Alert text={error} />
      <table data-testid="candidates-table">
        <thead>
          <tr>
            {selected !== undefined && <th scope="col">{t("candidates.select")}</th>}
            <th scope="col">{t("candidates.name")}</th>
            <th scope="col">{t("candidates.idLast4")}</th>
            <th scope="col">{t("candidates.job")}</th>
            <th scope="col">{t("candidates.state")}</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="candidate-row">
              {selected !== undefined && (
                <td>
                  <input type="checkbox" checked={selected.has(r.id)} onChange={() => toggle(r.id)} aria-label={formatText(t("candidates.selectOne"), { name: r.name })} data-testid="candidate-select" />
                </td>
              )}
              <th scope="row">{r.name}</th>
              <td>{r.idLast4 ?? "—"}</td>
              <td>{jobTitle(r.jobId)}</td>
              <td data-testid="candidate-state">{t(stateKey(r.state ?? null))}</td>
              <td>
                {props.onProfile !== undefined && (
                  <button type="button" class="button button--quiet" onClick={() => props.onProfile?.(r.id)} data-testid="candidate-profile">
                    {t("candidates.profile")}
                  </button>
                )}
                {r.state !== null && r.state !== "invited" && (
                  <button type="button" class="button button--quiet" onClick={() => props.onOpen(r.id)} data-testid="candidate-open">
                    {t("candidates.open")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && error === null && <p>{t("candidates.empty")}</p>}
      <p class="pager">
        <button type="button" class="button button--quiet" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))} data-testid="candidates-prev">
          {t("candidates.prev")}
        </button>
        <span aria-live="polite" data-testid="candidates-range">
          {rows.length === 0 ? "" : formatText(t("candidates.range"), { from: String(offset + 1), to: String(offset + rows.length) })}
        </span>
        <button type="button" class="button button--quiet" disabled={!hasMore} onClick={() => setOffset(offset + PAGE_SIZE)} data-testid="candidates-next">
          {t("candidates.next")}
        </button>
      </p>
    </div>
  );
}
