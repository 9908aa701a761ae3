// The bank's personalised questions: how many an invitation gets (0–5), and for each question
// its condition over résumé facts — or none, a core question every candidate answers. The
// total and band come from the core questions alone (README, "Personalised questions").
import { useEffect, useState } from "preact/hooks";
import { commands } from "../shared/api";
import type { Condition, Education, PersonalisationDto_Serialize as PersonalisationDto } from "../shared/bindings";
import { runCommand } from "../shared/call";
import { type ConditionFields, conditionOf, fieldsOf } from "../shared/condition";
import { Form } from "../shared/form";
import { formatText, useT } from "../shared/i18n";
import { Alert, Done } from "../shared/notice";
import { EDUCATIONS, EDUCATION_LABEL } from "../shared/vocabulary";

/// The job's personalisation, loaded once for the bank; `null` until it is.
export function usePersonalisation(jobId: number): [PersonalisationDto | null, (p: PersonalisationDto) => void] {
  const { lang } = useT();
  const [p, setP] = useState<PersonalisationDto | null>(null);
  useEffect(() => {
    void runCommand(() => commands.personalisationGet(jobId), lang).then((r) => r.ok && setP(r.data));
  }, [jobId]);
  return [p, setP];
}

/// The revision of a question's condition the page loaded (a save from an older one is refused).
export function conditionRevision(p: PersonalisationDto | null, questionId: number): number | null {
  return p?.conditionRevisions.find((q) => q.questionId === questionId)?.revision ?? null;
}

export function conditionOfQuestion(p: PersonalisationDto | null, questionId: number | null): Condition | null {
  return p?.questions.find((q) => q.questionId === questionId)?.condition ?? null;
}

/// One line saying what a condition asks, in the interface language.
export function ConditionSummary(props: { condition: Condition | null }) {
  const { t } = useT();
  if (props.condition === null) return <span data-testid="question-core">{t("personalise.core")}</span>;
  const f = fieldsOf(props.condition);
  const parts: string[] = [];
  if (f.years !== "") parts.push(formatText(t("personalise.summary.years"), { n: f.years }));
  if (f.education.length > 0) parts.push(formatText(t("personalise.summary.education"), { list: f.education.map((e) => t(EDUCATION_LABEL[e])).join(t("personalise.or")) }));
  if (f.phrases !== "") parts.push(formatText(t("personalise.summary.phrases"), { list: f.phrases }));
  if (f.roles !== "") parts.push(formatText(t("personalise.summary.roles"), { list: f.roles }));
  return <span data-testid="question-personalised">{formatText(t("personalise.personalised"), { when: parts.join(t("personalise.and")) })}</span>;
}

/// How many personalised questions an invitation to the job gets.
export function PersonalisedMax(props: { jobId: number; value: PersonalisationDto; onSaved: (p: PersonalisationDto) => void }) {
  const { t, lang } = useT();
  const [max, setMax] = useState(String(props.value.max));
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    const r = await runCommand(() => commands.personalisedMaxSave(props.jobId, Number(max), props.value.revision), lang);
    if (r.ok) {
      setError(null);
      setNotice(t("personalise.maxSaved"));
      props.onSaved(r.data);
    } else setError(r.error);
  };
  return (
    <Form class="form form--row" onSubmit={save}>
      <label>
        {t("personalise.max")}
        <input type="number" min="0" max="5" step="1" required value={max} onInput={(e) => setMax(e.currentTarget.value)} data-testid="personalised-max" />
      </label>
      <button type="submit" class="button" data-testid="personalised-max-save">
        {t("personalise.maxSave")}
      </button>
      <p class="hint">{t("personalise.maxLead")}</p>
      <Alert text={error} testId="personalised-max-error" />
      <Done text={notice} testId="personalised-max-done" />
    </Form>
  );
}

/// The condition of one saved question: four fields, each empty or one test.
export function ConditionEditor(props: { jobId: number; questionId: number; condition: Condition | null; revision: number | null; onSaved: (p: PersonalisationDto) => void }) {
  const { t, lang } = useT();
  const [fields, setFields] = useState<ConditionFields>(() => fieldsOf(props.condition));
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const set = (patch: Partial<ConditionFields>) => setFields({ ...fields, ...patch });
  const toggle = (e: Education, on: boolean) => set({ education: on ? [...fields.education, e] : fields.education.filter((x) => x !== e) });
  const save = async (ev: Event) => {
    ev.preventDefault();
    const condition = conditionOf(fields);
    const r = await runCommand(() => commands.questionConditionSave(props.jobId, { questionId: props.questionId, condition, revision: props.revision }), lang);
    if (r.ok) {
      setError(null);
      setNotice(condition === null ? t("personalise.savedCore") : t("personalise.saved"));
      props.onSaved(r.data);
    } else setError(r.error);
  };
  return (
    <fieldset class="condition" data-testid="condition-editor">
      <legend>{t("personalise.condition")}</legend>
      <p class="hint">{t("personalise.conditionLead")}</p>
      <Form class="form" onSubmit={save}>
        <label>
          {t("personalise.years")}
          <input type="number" min="0" max="60" step="1" value={fields.years} onInput={(e) => set({ years: e.currentTarget.value })} data-testid="condition-years" />
        </label>
        <p>{t("personalise.education")}</p>
        <p class="form--row">
          {EDUCATIONS.map((ed) => (
            <label key={ed} class="inline">
              <input type="checkbox" checked={fields.education.includes(ed)} onChange={(e) => toggle(ed, e.currentTarget.checked)} data-testid={`condition-education-${ed}`} />
              {t(EDUCATION_LABEL[ed])}
            </label>
          ))}
        </p>
        <label>
          {t("personalise.phrases")}
          <input value={fields.phrases} onInput={(e) => set({ phrases: e.currentTarget.value })} placeholder="带领、团队管理" data-testid="condition-phrases" />
        </label>
        <label>
          {t("personalise.roles")}
          <input value={fields.roles} onInput={(e) => set({ roles: e.currentTarget.value })} placeholder="组长、项目经理" data-testid="condition-roles" />
        </label>
        <button type="submit" class="button" data-testid="condition-save">
          {t("personalise.save")}
        </button>
      </Form>
      <Alert text={error} testId="condition-error" />
      <Done text={notice} testId="condition-done" />
    </fieldset>
  );
}
