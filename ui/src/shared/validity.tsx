// The validity and weights screen of a job (clerks, auditors, administrators): how the AI's and
// the raters' levels relate to hired people's later records, per criterion, with the restriction
// of range said first; the suggestion for the chosen criterion beside today's weights, replayed
// over the job's past candidates with each group's selection rate and impact ratio and the
// fairness verdict; applying it for those allowed to (over a failed check only an administrator,
// with a reason); the weight versions; and, for clerks, the outcome import. Every number and
// rule is the backend's; this screen shows them and says what they mean.
import { useEffect, useRef, useState } from "preact/hooks";
import { commands, textIn } from "./api";
import type {
  Correlation,
  Criterion,
  JobDto,
  Suggestion,
  ValidityDto_Serialize as ValidityDto,
  ValidityTableDto_Serialize as ValidityTableDto,
  WeightDto,
} from "./bindings";
import { runCommand } from "./call";
import { Form } from "./form";
import { type Key, type Lang, formatText, useT } from "./i18n";
import { JobSelect } from "./job-select";
import { Alert, Done } from "./notice";
import { OutcomeImport } from "./outcome-import";
import { BAND_LABEL, CRITERIA, CRITERION_LABEL } from "./vocabulary";

/// A weight in basis points as a percentage: 3750 → "37.5%".
export function percent(bp: number): string {
  return `${Number((bp / 100).toFixed(2))}%`;
}

/// The move from one weight to another in percentage points, signed: "+5", "-2.5", "0".
export function change(currentBp: number, suggestedBp: number): string {
  const points = Number(((suggestedBp - currentBp) / 100).toFixed(2));
  return points > 0 ? `+${points}` : String(points);
}

/// A number of the statistics to two decimals ("—" when there is none).
export function decimal(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? "—" : value.toFixed(2);
}

/// A rate as a whole percentage ("—" when there is none).
export function ratePercent(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? "—" : `${Math.round(value * 100)}%`;
}

/// The weights a suggestion names, as an apply sends them back (the backend recomputes the
/// suggestion and refuses if it is no longer this one).
export function suggestedWeights(suggestion: Suggestion): WeightDto[] {
  return suggestion.dimensions.map((d) => ({ dimension: d.dimension, basisPoints: d.suggestedBp }));
}

/// What the signed-in person can do with the suggestion shown: apply it; apply it with a
/// written reason (it fails the fairness check, an administrator); nothing but be told that
/// an administrator must (a clerk, a failing suggestion); read only (an auditor); or there is
/// nothing to apply.
export type ApplyMode = "apply" | "reason" | "admin-only" | "read-only" | "none";

export function applyMode(review: Pick<ValidityDto, "suggestion" | "replay" | "canApply" | "canApplyOverFairness">): ApplyMode {
  if (review.suggestion === null || review.replay === null) return "none";
  if (review.replay.passes) return review.canApply ? "apply" : "read-only";
  if (review.canApplyOverFairness) return "reason";
  return review.canApply ? "admin-only" : "read-only";
}

/// The tables that have anyone in them, in the screen's order of criteria.
export function tablesShown(tables: ValidityTableDto[]): ValidityTableDto[] {
  return CRITERIA.flatMap((c) => tables.filter((t) => t.criterion === c && t.n > 0));
}

function weightsText(weights: WeightDto[], t: (key: Key) => string): string {
  return weights.map((w) => formatText(t("validity.weight"), { dimension: w.dimension, pct: percent(w.basisPoints) })).join(t("validity.join"));
}

function rhoText(c: Correlation, t: (key: Key) => string): string {
  if (c.rho === null || c.rho === undefined) return t("validity.rho.none");
  return formatText(t("validity.rho"), { rho: decimal(c.rho), low: decimal(c.low), high: decimal(c.high) });
}

/// `jobs`: the jobs to choose from.
export function ValidityScreen(props: { jobs: JobDto[] }) {
  const { t, lang } = useT();
  const [jobId, setJobId] = useState<number | null>(props.jobs?.[0]?.id ?? null);
  const [criterion, setCriterion] = useState<Criterion>(CRITERIA[0] ?? "probation");
  const [review, setReview] = useState<ValidityDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [reload, setReload] = useState(0);
  // Only the answer to the latest request is shown.
  const latest = useRef(0);
  useEffect(() => {
    if (jobId === null && props.jobs[0] !== undefined) setJobId(props.jobs[0].id);
  }, [props.jobs]);
  useEffect(() => {
    if (jobId === null) return;
    const request = ++latest.current;
    setLoading(true);
    void runCommand(() => commands.validityReview(jobId, criterion), lang).then((r) => {
      if (request !== latest.current) return;
      setLoading(false);
      if (r.ok) {
        setReview(r.data);
        setError(null);
      } else {
        setReview(null);
        setError(r.error);
      }
    });
  }, [jobId, criterion, reload]);
  return (
    <>
      <section class="card" aria-labelledby="validity-title" data-testid="validity">
        <h3 id="validity-title">{t("validity.title")}</h3>
        <p class="hint">{t("validity.lead")}</p>
        {props.jobs.length === 0 ? (
          <p>{t("validity.noJobs")}</p>
        ) : (
          <div class="form form--row">
            <JobSelect jobs={props.jobs} value={jobId} onChange={(job) => job !== null && setJobId(job)} testId="validity-job" />
          </div>
        )}
        <div class="form">
          <fieldset class="levels" data-testid="validity-criterion">
            <legend>{t("validity.criterion")}</legend>
            {CRITERIA.map((c) => (
              <label key={c} class="inline">
                <input type="radio" name="validity-criterion" checked={criterion === c} onChange={() => setCriterion(c)} data-testid={`validity-criterion-${c}`} />
                {t(CRITERION_LABEL[c])}
              </label>
            ))}
          </fieldset>
        </div>
        {loading && <p aria-live="polite">{t("validity.loading")}</p>}
        <Alert text={error} testId="validity-error" />
        {review !== null && <Tables review={review} />}
      </section>
      {/* While another criterion's answer is on its way, the last one's suggestion is not shown under it. */}
      {review !== null && review.criterion === criterion && (
        <SuggestionCard key={`${review.jobId}-${review.criterion}`} review={review} onApplied={() => setReload(reload + 1)} />
      )}
      {review !== null && <Versions review={review} />}
      {review !== null && review.canImport && <OutcomeImport jobId={review.jobId} onImported={() => setReload(reload + 1)} />}
    </>
  );
}

/// The restriction of range first, then a table per criterion anyone has, with its sentences.
function Tables(props: { review: ValidityDto }) {
  const { t, lang } = useT();
  const r = props.review;
  const shown = tablesShown(r.tables);
  return (
    <div data-testid="validity-tables">
      <p data-testid="validity-weights">{formatText(t("validity.weights"), { job: r.jobTitle, version: String(r.version), weights: weightsText(r.weights, t) })}</p>
      <p class="caution" role="note" data-testid="validity-range">
        {formatText(t("validity.range"), { people: String(r.people), with: String(r.withOutcomes) })}
      </p>
      {shown.length === 0 ? (
        <p data-testid="validity-none">{t("validity.none")}</p>
      ) : (
        <>
          <p class="hint">{t("validity.method")}</p>
          {shown.map((table) => (
            <CriterionTable key={table.criterion} table={table} minN={r.minN} lang={lang} />
          ))}
        </>
      )}
    </div>
  );
}

function CriterionTable(props: { table: ValidityTableDto; minN: number; lang: Lang }) {
  const { t } = useT();
  const { table, lang } = props;
  const name = (dimension: string | null) => dimension ?? t("validity.total");
  return (
    <div data-testid={`validity-table-${table.criterion}`} data-n={table.n}>
      <h4>{formatText(t("validity.table"), { criterion: t(CRITERION_LABEL[table.criterion]), n: String(table.n) })}</h4>
      {!table.enough && (
        <p class="caution" role="note" data-testid="validity-too-few">
          {formatText(t("validity.tooFew"), { n: String(table.n), min: String(props.minN) })}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{t("validity.col.dimension")}</th>
            <th scope="col">{t("validity.col.ai")}</th>
            <th scope="col">{t("validity.col.n")}</th>
            <th scope="col">{t("validity.col.raters")}</th>
            <th scope="col">{t("validity.col.n")}</th>
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            <tr key={row.dimension ?? ""}>
              <th scope="row">{name(row.dimension)}</th>
              <td>{rhoText(row.ai, t)}</td>
              <td>{row.ai.n}</td>
              <td>{rhoText(row.raters, t)}</td>
              <td>{row.raters.n}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h5>{t("validity.readings")}</h5>
      {/* A correlation over nobody (no raters' levels yet) is said in the table already. */}
      <ul data-testid="validity-readings">
        {table.rows.flatMap((row) => [
          row.ai.n > 0 && <li key={`${row.dimension ?? ""}-ai`}>{textIn(row.aiReading, lang)}</li>,
          row.raters.n > 0 && <li key={`${row.dimension ?? ""}-raters`}>{textIn(row.ratersReading, lang)}</li>,
        ])}
      </ul>
    </div>
  );
}

/// The suggestion for the chosen criterion, its replay and verdict, and applying it.
function SuggestionCard(props: { review: ValidityDto; onApplied: () => void }) {
  const { t, lang } = useT();
  const r = props.review;
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [applied, setApplied] = useState<string | null>(null);
  const mode = applyMode(r);
  const criterion = t(CRITERION_LABEL[r.criterion]);
  const apply = async (e: Event) => {
    e.preventDefault();
    if (r.suggestion === null) return;
    const suggestion = r.suggestion;
    setBusy(true);
    setApplied(null);
    const result = await runCommand(() => commands.validityApply(r.jobId, r.criterion, suggestedWeights(suggestion), mode === "reason" ? reason : null), lang);
    setBusy(false);
    if (result.ok) {
      setError(null);
      setReason("");
      setApplied(formatText(t("validity.applied"), { version: String(result.data) }));
    } else setError(result.error);
    // Either way the screen shows what the vault holds now (a refused suggestion may have changed).
    props.onApplied();
  };
  return (
    <section class="card" aria-labelledby="suggestion-title" data-testid="validity-suggestion">
      <h3 id="suggestion-title">{formatText(t("validity.suggestion"), { criterion })}</h3>
      {r.noSuggestion !== null && <p data-testid="validity-no-suggestion">{textIn(r.noSuggestion, lang)}</p>}
      {r.suggestion !== null && (
        <>
          <p class="hint">{formatText(t("validity.suggestion.lead"), { n: String(r.suggestion.n), step: String(r.suggestion.maxStepBp / 100) })}</p>
          <table data-testid="validity-suggested">
            <thead>
              <tr>
                <th scope="col">{t("validity.col.dimension")}</th>
                <th scope="col">{t("validity.col.today")}</th>
                <th scope="col">{t("validity.col.suggested")}</th>
                <th scope="col">{t("validity.col.change")}</th>
                <th scope="col">{t("validity.col.evidence")}</th>
              </tr>
            </thead>
            <tbody>
              {r.suggestion.dimensions.map((d) => (
                <tr key={d.dimension}>
                  <th scope="row">{d.dimension}</th>
                  <td>{percent(d.currentBp)}</td>
                  <td>{percent(d.suggestedBp)}</td>
                  <td>{change(d.currentBp, d.suggestedBp)}</td>
                  <td>{decimal(d.evidence)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {r.replay !== null && (
        <>
          <h4>{formatText(t("validity.replay"), { n: String(r.replay.candidates) })}</h4>
          <ul data-testid="validity-bands">
            {r.replay.bandChanges.length === 0 ? (
              <li>{t("validity.bands.none")}</li>
            ) : (
              r.replay.bandChanges.map((c) => (
                <li key={`${c.from}-${c.to}`}>{formatText(t("validity.bands.change"), { count: String(c.count), from: t(BAND_LABEL[c.from]), to: t(BAND_LABEL[c.to]) })}</li>
              ))
            )}
          </ul>
          <h4>{t("validity.groups")}</h4>
          {r.replay.groups.length === 0 ? (
            <p>{t("validity.groups.none")}</p>
          ) : (
            <>
              <p class="hint">{t("validity.groups.lead")}</p>
              <table data-testid="validity-groups">
                <thead>
                  <tr>
                    <th scope="col">{t("validity.col.group")}</th>
                    <th scope="col">{t("validity.col.candidates")}</th>
                    <th scope="col">{t("validity.col.rateBefore")}</th>
                    <th scope="col">{t("validity.col.rateAfter")}</th>
                    <th scope="col">{t("validity.col.impactBefore")}</th>
                    <th scope="col">{t("validity.col.impactAfter")}</th>
                    <th scope="col">{t("validity.col.check")}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.replay.groups.map((g) => (
                    <tr key={g.group} class={g.fails ? "bad" : undefined} data-fails={g.fails ? "true" : "false"}>
                      <th scope="row">{g.group}</th>
                      <td>{g.candidates}</td>
                      <td>{formatText(t("validity.rate"), { rate: ratePercent(g.rateBefore), selected: String(g.selectedBefore), n: String(g.candidates) })}</td>
                      <td>{formatText(t("validity.rate"), { rate: ratePercent(g.rateAfter), selected: String(g.selectedAfter), n: String(g.candidates) })}</td>
                      <td>{decimal(g.impactBefore)}</td>
                      <td>{decimal(g.impactAfter)}</td>
                      <td>{g.fails ? <strong>{t("validity.group.fails")}</strong> : t("validity.group.passes")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      )}
      {r.verdict !== null && (
        <p class={r.replay?.passes === true ? "verdict ok" : "verdict bad"} data-testid="validity-verdict">
          {textIn(r.verdict, lang)}
        </p>
      )}
      {(mode === "apply" || mode === "reason") && (
        <Form class="form" onSubmit={(e) => void apply(e)} data-testid="validity-apply-form">
          <p class="hint">{t("validity.apply.lead")}</p>
          {mode === "reason" && (
            <label class="grow">
              {t("validity.apply.reason")}
              <textarea value={reason} onInput={(e) => setReason(e.currentTarget.value)} rows={3} required data-testid="validity-reason" />
            </label>
          )}
          <button type="submit" class="button button--primary" disabled={busy} data-testid="validity-apply">
            {formatText(t(mode === "reason" ? "validity.apply.over" : "validity.apply"), { version: String(r.version + 1) })}
          </button>
        </Form>
      )}
      {mode === "admin-only" && (
        <p class="caution" role="note" data-testid="validity-admin-only">
          {t("validity.apply.adminOnly")}
        </p>
      )}
      {mode === "read-only" && (
        <p class="hint" data-testid="validity-read-only">
          {t("validity.apply.readOnly")}
        </p>
      )}
      <Alert text={error} testId="validity-apply-error" />
      <Done text={applied} testId="validity-applied" />
    </section>
  );
}

/// Every version of the job's weights, newest first.
function Versions(props: { review: ValidityDto }) {
  const { t, lang } = useT();
  const r = props.review;
  const time = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  const versions = [...r.versions].sort((a, b) => b.version - a.version);
  return (
    <section class="card" aria-labelledby="versions-title" data-testid="validity-versions">
      <h3 id="versions-title">{t("validity.versions")}</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("validity.col.version")}</th>
            <th scope="col">{t("validity.col.weights")}</th>
            <th scope="col">{t("validity.col.when")}</th>
            <th scope="col">{t("validity.col.by")}</th>
            <th scope="col">{t("validity.col.basis")}</th>
            <th scope="col">{t("validity.col.fairness")}</th>
            <th scope="col">{t("validity.col.reason")}</th>
            <th scope="col">{t("validity.col.interviews")}</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version} data-testid={`validity-version-${v.version}`}>
              <th scope="row">{v.version === r.version ? formatText(t("validity.version.current"), { version: String(v.version) }) : v.version}</th>
              <td>{weightsText(v.weights, t)}</td>
              <td>{v.createdAtMs === null ? "—" : time.format(new Date(v.createdAtMs))}</td>
              <td>{v.createdBy ?? "—"}</td>
              <td>{v.criterion === null ? t("validity.version.initial") : t(CRITERION_LABEL[v.criterion])}</td>
              <td>{v.fairnessPassed === null ? "—" : v.fairnessPassed ? t("validity.fairness.passed") : t("validity.fairness.failed")}</td>
              <td>{v.reason ?? "—"}</td>
              <td>{v.interviews}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
