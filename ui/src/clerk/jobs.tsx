// Jobs (competency dimensions, weights that must come to 100%, bands) and each job's question
// bank with its rubric editor and the "try this rubric" panel.
import { useEffect, useState } from "preact/hooks";
import { commands } from "../shared/api";
import type { JobDto, KeyPointDto, Lang, LevelDto, QuestionDto_Serialize as QuestionDto, RubricDto, TryRubricDto_Serialize as TryResult } from "../shared/bindings";
import { runCommand } from "../shared/call";
import { formatText, useT } from "../shared/i18n";
import { JobExport } from "../shared/job-export";
import { Alert } from "../shared/notice";
import { LANG_NAME, LANG_OPTIONS, member } from "../shared/vocabulary";
import { Form } from "../shared/form";
import { ConditionEditor, ConditionSummary, PersonalisedMax, conditionOfQuestion, conditionRevision, usePersonalisation } from "./personalise";

/// The weights' sum in percent, to two decimals (what the backend checks in basis points).
export function weightSum(weights: number[]): number {
  return weights.reduce((sum, w) => sum + Math.round(w * 100), 0) / 100;
}

export function JobsPanel(props: { jobs: JobDto[]; onJobs: (jobs: JobDto[]) => void }) {
  const { t } = useT();
  const [open, setOpen] = useState<number | null>(null);
  const [creating, setCreating] = useState(props.jobs.length === 0);
  const job = props.jobs.find((j) => j.id === open);
  return (
    <>
      <section class="card" aria-labelledby="jobs-title" data-testid="jobs">
        <h3 id="jobs-title">{t("jobs.title")}</h3>
        {props.jobs.length === 0 ? (
          <p>{t("jobs.none")}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t("jobs.name")}</th>
                <th scope="col">{t("jobs.dimensions")}</th>
                <th scope="col">{t("jobs.bands")}</th>
                <th scope="col">{t("jobs.questions")}</th>
                <th scope="col">{t("jobs.candidates")}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {props.jobs.map((j) => (
                <tr key={j.id} data-testid="job-row" aria-current={j.id === open ? "true" : undefined}>
                  <th scope="row">{j.title}</th>
                  <td>{j.dimensions.map((d) => `${d.name} ${d.weightPct}%`).join("、")}</td>
                  <td>{formatText(t("jobs.bandsValue"), { recommend: String(j.recommend), hold: String(j.hold) })}</td>
                  <td>{j.questions}</td>
                  <td>{j.candidates}</td>
                  <td>
                    <button type="button" class="button button--quiet" onClick={() => setOpen(j.id)} data-testid="job-open">
                      {t("jobs.openBank")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {!creating && (
          <button type="button" class="button" onClick={() => setCreating(true)} data-testid="job-new">
            {t("jobs.new")}
          </button>
        )}
      </section>
      {creating && (
        <NewJobForm
          onCreated={(jobs) => {
            props.onJobs(jobs);
            setCreating(false);
            setOpen(jobs[0]?.id ?? null);
          }}
          onCancel={props.jobs.length === 0 ? undefined : () => setCreating(false)}
        />
      )}
      {job !== undefined && <QuestionBank key={job.id} job={job} onChanged={() => void commands.clerkJobs().then((r) => r.status === "ok" && props.onJobs(r.data))} />}
      {props.jobs.length > 0 && <JobExport jobs={props.jobs} />}
    </>
  );
}

function NewJobForm(props: { onCreated: (jobs: JobDto[]) => void; onCancel?: () => void }) {
  const { t, lang } = useT();
  const [title, setTitle] = useState("");
  const [language, setLanguage] = useState<Lang>("zh-CN");
  const [dims, setDims] = useState<{ name: string; weight: string }[]>([
    { name: "", weight: "" },
    { name: "", weight: "" },
  ]);
  const [recommend, setRecommend] = useState("80");
  const [hold, setHold] = useState("60");
  const [error, setError] = useState<string | null>(null);
  const sum = weightSum(dims.map((d) => Number(d.weight) || 0));
  const complete = title.trim() !== "" && dims.every((d) => d.name.trim() !== "") && sum === 100;
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await runCommand(
      () =>
        commands.clerkCreateJob({
          title,
          language,
          dimensions: dims.map((d) => ({ name: d.name, weightPct: Number(d.weight) || 0 })),
          recommend: Number(recommend),
          hold: Number(hold),
        }),
      lang,
    );
    if (r.ok) props.onCreated(r.data);
    else setError(r.error);
  };
  const set = (i: number, patch: Partial<{ name: string; weight: string }>) => setDims(dims.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  return (
    <section class="card" aria-labelledby="job-new-title" data-testid="job-form">
      <h3 id="job-new-title">{t("jobs.new")}</h3>
      <Form class="form" onSubmit={submit}>
        <label>
          {t("jobs.name")}
          <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} required data-testid="job-title" />
        </label>
        <label>
          {t("jobs.language")}
          <select value={language} onChange={(e) => setLanguage(member(LANG_OPTIONS, e.currentTarget.value))} data-testid="job-language">
            {LANG_OPTIONS.map((l) => (
              <option key={l} value={l}>
                {LANG_NAME[l]}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>{t("jobs.dimensions")}</legend>
          {dims.map((d, i) => (
            <div class="form--row" key={i}>
              <label>
                {formatText(t("jobs.dimension"), { n: String(i + 1) })}
                <input value={d.name} onInput={(e) => set(i, { name: e.currentTarget.value })} required data-testid="dimension-name" />
              </label>
              <label>
                {t("jobs.weight")}
                <input type="number" min="0" max="100" step="0.01" value={d.weight} onInput={(e) => set(i, { weight: e.currentTarget.value })} required data-testid="dimension-weight" />
              </label>
              {dims.length > 1 && (
                <button type="button" class="button button--quiet" onClick={() => setDims(dims.filter((_, j) => j !== i))}>
                  {t("common.remove")}
                </button>
              )}
            </div>
          ))}
          <p>
            <button type="button" class="button button--quiet" onClick={() => setDims([...dims, { name: "", weight: "" }])} data-testid="dimension-add">
              {t("jobs.dimension.add")}
            </button>{" "}
            <strong class={sum === 100 ? "ok" : "bad"} aria-live="polite" data-testid="weight-sum">
              {formatText(t("jobs.weight.sum"), { sum: String(sum) })}
            </strong>
          </p>
        </fieldset>
        <fieldset>
          <legend>{t("jobs.bands")}</legend>
          <p class="hint">{t("jobs.bands.lead")}</p>
          <div class="form--row">
            <label>
              {t("band.recommend")} ≥
              <input type="number" min="1" max="100" value={recommend} onInput={(e) => setRecommend(e.currentTarget.value)} data-testid="job-recommend" />
            </label>
            <label>
              {t("band.hold")} ≥
              <input type="number" min="0" max="99" value={hold} onInput={(e) => setHold(e.currentTarget.value)} data-testid="job-hold" />
            </label>
          </div>
        </fieldset>
        <Alert text={error} testId="job-error" />
        <p class="actions">
          <button type="submit" class="button button--primary" disabled={!complete} data-testid="job-save">
            {t("jobs.save")}
          </button>{" "}
          {props.onCancel && (
            <button type="button" class="button button--quiet" onClick={props.onCancel}>
              {t("common.cancel")}
            </button>
          )}
        </p>
      </Form>
    </section>
  );
}

function QuestionBank(props: { job: JobDto; onChanged: () => void }) {
  const { t, lang } = useT();
  const [questions, setQuestions] = useState<QuestionDto[] | null>(null);
  const [editing, setEditing] = useState<QuestionDto | "new" | null>(null);
  const [conditionOf, setConditionOf] = useState<number | null>(null);
  const [personalisation, setPersonalisation] = usePersonalisation(props.job.id);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void runCommand(() => commands.clerkQuestions(props.job.id), lang).then((r) => (r.ok ? setQuestions(r.data) : setError(r.error)));
  }, [props.job.id]);
  return (
    <section class="card" aria-labelledby="bank-title" data-testid="question-bank">
      <h3 id="bank-title">{formatText(t("bank.title"), { job: props.job.title })}</h3>
      <Alert text={error} />
      {questions !== null && questions.length === 0 && <p>{t("bank.none")}</p>}
      {personalisation !== null && <PersonalisedMax jobId={props.job.id} value={personalisation} onSaved={setPersonalisation} />}
      {questions !== null && uncovered(props.job, questions).length > 0 && (
        <p class="bad" role="status" data-testid="bank-uncovered">
          {formatText(t("bank.uncovered"), { dimensions: uncovered(props.job, questions).join("、") })}
        </p>
      )}
      {questions !== null && questions.length > 0 && (
        <ol class="questions">
          {questions.map((q) => (
            <li key={q.id} data-testid="question-row">
              <p>
                {q.text}{" "}
                <small>
                  {formatText(t("bank.meta"), { prep: String(q.prepSeconds), answer: String(q.answerSeconds), retakes: String(q.retakes), version: String(q.version) })}
                  {q.situational ? ` · ${t("bank.situational")}` : ""}
                  {q.frozen ? ` · ${t("bank.frozen")}` : ""}
                </small>
              </p>
              <p class="hint">{q.rubric.keyPoints.map((k) => `${k.dimension}：${k.text}`).join("；")}</p>
              {q.generic.length > 0 && (
                <p class="caution" role="status" data-testid="question-generic">
                  {formatText(t("bank.generic"), { phrasings: q.generic.map((g) => `“${g.phrasing}”`).join("、") })}
                </p>
              )}
              <p class="hint">
                <ConditionSummary condition={conditionOfQuestion(personalisation, q.id)} />
              </p>
              <button type="button" class="button button--quiet" onClick={() => setEditing(q)} data-testid="question-edit">
                {t("bank.edit")}
              </button>
              <button type="button" class="button button--quiet" onClick={() => setConditionOf(conditionOf === q.id ? null : q.id)} aria-expanded={conditionOf === q.id} data-testid="question-condition">
                {t("personalise.edit")}
              </button>
              {conditionOf === q.id && q.id !== null && (
                <ConditionEditor
                  jobId={props.job.id}
                  questionId={q.id}
                  condition={conditionOfQuestion(personalisation, q.id)}
                  revision={conditionRevision(personalisation, q.id)}
                  onSaved={setPersonalisation}
                />
              )}
            </li>
          ))}
        </ol>
      )}
      {editing === null ? (
        <button type="button" class="button" onClick={() => setEditing("new")} data-testid="question-new">
          {t("bank.new")}
        </button>
      ) : (
        <QuestionEditor
          key={editing === "new" ? "new" : editing.id}
          job={props.job}
          question={editing === "new" ? null : editing}
          onSaved={(qs) => {
            setQuestions(qs);
            setEditing(null);
            props.onChanged();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
    </section>
  );
}

/// The job's weighted dimensions no question's key points ask about: without them the AI cannot
/// compute a total (a weighted dimension would be missing).
export function uncovered(job: JobDto, questions: QuestionDto[]): string[] {
  const asked = new Set(questions.flatMap((q) => q.rubric.keyPoints.map((k) => k.dimension)));
  return job.dimensions.filter((d) => (d.weightPct ?? 0) > 0 && !asked.has(d.name)).map((d) => d.name);
}

const LEVELS = [5, 4, 3, 2, 1];

function emptyRubric(job: JobDto): RubricDto {
  return {
    keyPoints: [newKeyPoint(job)],
    levels: LEVELS.map((level) => ({ level, description: "", examples: [] })),
    followUps: 0,
  };
}

function newKeyPoint(job: JobDto): KeyPointDto {
  return { dimension: job.dimensions[0]?.name ?? "", text: "", synonyms: [], followUpZh: "", followUpEn: "" };
}

/// The levels 5…1, with the ones the rubric describes filled in.
function allLevels(levels: LevelDto[]): LevelDto[] {
  return LEVELS.map((level) => levels.find((l) => l.level === level) ?? { level, description: "", examples: [] });
}

function QuestionEditor(props: { job: JobDto; question: QuestionDto | null; onSaved: (qs: QuestionDto[]) => void; onCancel: () => void }) {
  const { t, lang } = useT();
  const q = props.question;
  const [text, setText] = useState(q?.text ?? "");
  const [situational, setSituational] = useState(q?.situational ?? false);
  const [prep, setPrep] = useState(String(q?.prepSeconds ?? 30));
  const [answer, setAnswer] = useState(String(q?.answerSeconds ?? 120));
  const [retakes, setRetakes] = useState(String(q?.retakes ?? 1));
  const [keyPoints, setKeyPoints] = useState<KeyPointDto[]>(q?.rubric.keyPoints ?? emptyRubric(props.job).keyPoints);
  const [levels, setLevels] = useState<LevelDto[]>(allLevels(q?.rubric.levels ?? []));
  const [followUps, setFollowUps] = useState(String(q?.rubric.followUps ?? 0));
  const [error, setError] = useState<string | null>(null);
  const rubric: RubricDto = { keyPoints, levels, followUps: Number(followUps) };
  const setKp = (i: number, patch: Partial<KeyPointDto>) => setKeyPoints(keyPoints.map((k, j) => (j === i ? { ...k, ...patch } : k)));
  const setLevel = (i: number, patch: Partial<LevelDto>) => setLevels(levels.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await runCommand(
      () =>
        commands.clerkSaveQuestion(props.job.id, {
          id: q?.id ?? null,
          situational,
          text,
          rubric,
          dimensions: [],
          prepSeconds: Number(prep),
          answerSeconds: Number(answer),
          retakes: Number(retakes),
          version: q?.version ?? 1,
          frozen: q?.frozen ?? false,
          revision: q?.revision ?? 0,
        }),
      lang,
    );
    if (r.ok) props.onSaved(r.data);
    else setError(r.error);
  };
  return (
    <Form class="form editor" onSubmit={submit} data-testid="question-form">
      <h4>{q === null ? t("bank.new") : t("bank.edit")}</h4>
      {q?.frozen && <p class="hint">{t("bank.frozenHint")}</p>}
      <label>
        {t("bank.text")}
        <textarea value={text} onInput={(e) => setText(e.currentTarget.value)} rows={2} required data-testid="question-text" />
      </label>
      <div class="form--row">
        <label class="inline">
          <input type="checkbox" checked={situational} onChange={(e) => setSituational(e.currentTarget.checked)} />
          {t("bank.situational")}
        </label>
        <label>
          {t("bank.prep")}
          <input type="number" min="0" max="600" value={prep} onInput={(e) => setPrep(e.currentTarget.value)} />
        </label>
        <label>
          {t("bank.answer")}
          <input type="number" min="10" max="1800" value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} />
        </label>
        <label>
          {t("bank.retakes")}
          <input type="number" min="0" max="3" value={retakes} onInput={(e) => setRetakes(e.currentTarget.value)} />
        </label>
        <label>
          {t("rubric.followUps")}
          <select value={followUps} onChange={(e) => setFollowUps(e.currentTarget.value)} data-testid="question-follow-ups">
            {["0", "1", "2"].map((n) => (
              <option key={n} value={n}>
                {n === "0" ? t("rubric.followUps.none") : n}
              </option>
            ))}
          </select>
        </label>
      </div>
      <fieldset>
        <legend>{t("rubric.keyPoints")}</legend>
        <p class="hint">{t("rubric.keyPoints.lead")}</p>
        <p class="hint" data-testid="synonyms-hint">{t("rubric.synonyms.hint")}</p>
        <p class="hint">{t("rubric.followUp.hint")}</p>
        {keyPoints.map((k, i) => (
          <div class="form--row" key={i} data-testid="keypoint">
            <label>
              {t("rubric.dimension")}
              <select value={k.dimension} onChange={(e) => setKp(i, { dimension: e.currentTarget.value })} data-testid="keypoint-dimension">
                {props.job.dimensions.map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("rubric.point")}
              <input value={k.text} onInput={(e) => setKp(i, { text: e.currentTarget.value })} required data-testid="keypoint-text" />
            </label>
            <label>
              {t("rubric.synonyms")}
              <textarea
                rows={2}
                value={k.synonyms.join("、")}
                onInput={(e) => setKp(i, { synonyms: e.currentTarget.value.split(/[、,，;；]/) })}
                placeholder={t("rubric.synonyms.placeholder")}
                data-testid="keypoint-synonyms"
              />
            </label>
            <label>
              {t("rubric.followUp.zh")}
              <input value={k.followUpZh} onInput={(e) => setKp(i, { followUpZh: e.currentTarget.value })} data-testid="keypoint-follow-up-zh" />
            </label>
            <label>
              {t("rubric.followUp.en")}
              <input value={k.followUpEn} onInput={(e) => setKp(i, { followUpEn: e.currentTarget.value })} data-testid="keypoint-follow-up-en" />
            </label>
            {keyPoints.length > 1 && (
              <button type="button" class="button button--quiet" onClick={() => setKeyPoints(keyPoints.filter((_, j) => j !== i))}>
                {t("common.remove")}
              </button>
            )}
          </div>
        ))}
        <button type="button" class="button button--quiet" onClick={() => setKeyPoints([...keyPoints, newKeyPoint(props.job)])} data-testid="keypoint-add">
          {t("rubric.keyPoints.add")}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t("rubric.levels")}</legend>
        <p class="hint">{t("rubric.levels.lead")}</p>
        {levels.map((l, i) => (
          <div class="form--row" key={l.level}>
            <label class="grow">
              {formatText(t("rubric.level"), { n: String(l.level) })}
              <input value={l.description} onInput={(e) => setLevel(i, { description: e.currentTarget.value })} data-testid={`level-${l.level}-description`} />
            </label>
            <label class="grow">
              {t("rubric.examples")}
              <textarea value={l.examples.join("\n")} rows={1} onInput={(e) => setLevel(i, { examples: e.currentTarget.value.split("\n") })} data-testid={`level-${l.level}-examples`} />
            </label>
          </div>
        ))}
      </fieldset>
      <TryPanel rubric={rubric} language={props.job.language} />
      <Alert text={error} testId="question-error" />
      <p class="actions">
        <button type="submit" class="button button--primary" data-testid="question-save">
          {t("bank.save")}
        </button>{" "}
        <button type="button" class="button button--quiet" onClick={props.onCancel}>
          {t("common.cancel")}
        </button>
      </p>
    </Form>
  );
}

/// Type an answer a candidate might give and see what this rubric would score, with the
/// evidence it would cite: the same matching that scores a recorded answer's transcript.
function TryPanel(props: { rubric: RubricDto; language: Lang }) {
  const { t, lang } = useT();
  const [answer, setAnswer] = useState("");
  const [result, setResult] = useState<TryResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    const r = await runCommand(() => commands.clerkTryRubric(props.rubric, answer, props.language), lang);
    if (r.ok) {
      setResult(r.data);
      setError(null);
    } else setError(r.error);
  };
  return (
    <fieldset class="try" data-testid="try-rubric">
      <legend>{t("try.title")}</legend>
      <p class="hint">{t("try.lead")}</p>
      <label>
        {t("try.answer")}
        <textarea value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} rows={3} data-testid="try-answer" />
      </label>
      <button type="button" class="button" disabled={answer.trim() === ""} onClick={() => void run()} data-testid="try-run">
        {t("try.run")}
      </button>
      <Alert text={error} />
      {result !== null && result.generic.length > 0 && (
        <div class="caution" role="status" data-testid="try-generic">
          <p>{t("try.generic")}</p>
          <ul>
            {result.generic.map((g) => (
              <li key={`${g.point}/${g.phrasing}`}>
                {formatText(t("try.genericItem"), {
                  phrasing: g.phrasing,
                  point: g.point,
                  matched: String(g.matched),
                  sentences: String(g.sentences),
                  example: g.example,
                })}
              </li>
            ))}
          </ul>
        </div>
      )}
      {result !== null && (
        <ul data-testid="try-result" aria-live="polite">
          {result.scores.map((s) => (
            <li key={s.dimension}>
              <strong>{s.dimension}</strong> {formatText(t("review.level"), { level: (s.level ?? 0).toFixed(1) })}
              <ul class="evidence">
                {s.evidence.map((e) => (
                  <li key={e.point} class={e.covered ? "ok" : "missing"}>
                    <span class="evidence__point">{e.point}</span> {e.covered ? <mark>{e.quote}</mark> : t("review.evidence.missing")}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
      {result !== null && result.scores.some((s) => s.evidence.some((e) => !e.covered)) && (
        <p class="hint" data-testid="try-missed">{t("try.missed")}</p>
      )}
    </fieldset>
  );
}
