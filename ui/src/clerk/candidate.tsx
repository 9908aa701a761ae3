// A candidate's page (#/clerk/candidate/<id>): the résumé facts the job's personalised questions
// are chosen from — from the HRMS, the API or typed here — and, once invited, which personalised
// questions the interview was given and why; before the interview begins a clerk may remove one.
import { useEffect, useState } from "preact/hooks";
import { commands, textIn } from "../shared/api";
import type { Education, PlannedQuestionDto_Serialize as PlannedQuestionDto, ResumeDto_Serialize as ResumeDto } from "../shared/bindings";
import { runCommand } from "../shared/call";
import { splitList } from "../shared/condition";
import { FileInput, Form } from "../shared/form";
import { formatText, useT } from "../shared/i18n";
import { Alert, Done } from "../shared/notice";
import { EDUCATIONS, EDUCATION_LABEL, RESUME_SOURCE_LABEL, member } from "../shared/vocabulary";

export function CandidatePage(props: { candidateId: number; onBack: () => void }) {
  const { t, lang } = useT();
  const [resume, setResume] = useState<ResumeDto | null>(null);
  // Bumped when a file replaces the facts, so the form shows them.
  const [read, setRead] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void runCommand(() => commands.resumeGet(props.candidateId), lang).then((r) => (r.ok ? setResume(r.data) : setError(r.error)));
  }, [props.candidateId]);
  return (
    <section class="card" aria-labelledby="candidate-title" data-testid="candidate-page">
      <p>
        <button type="button" class="button button--quiet" onClick={props.onBack} data-testid="candidate-back">
          {t("candidate.back")}
        </button>
      </p>
      <Alert text={error} />
      {resume !== null && (
        <>
          <h3 id="candidate-title">{formatText(t("candidate.title"), { name: resume.name })}</h3>
          <ResumeFile
            candidateId={resume.candidateId}
            onRead={(r) => {
              setResume(r);
              setRead(read + 1);
            }}
          />
          <ResumeForm key={read} resume={resume} onSaved={setResume} />
          {resume.interviewId !== null && <Personalised interviewId={resume.interviewId} />}
        </>
      )}
    </section>
  );
}

/// A résumé file (PDF or DOCX) read on this machine into the free text; the other facts stay.
function ResumeFile(props: { candidateId: number; onRead: (r: ResumeDto) => void }) {
  const { t, lang } = useT();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const choose = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const chosen = input.files?.[0];
    if (chosen === undefined) return;
    const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
    input.value = "";
    const r = await runCommand(() => commands.resumeAttach(props.candidateId, bytes), lang);
    if (r.ok) {
      setError(null);
      setNotice(formatText(t(r.data.truncated ? "resume.file.truncated" : "resume.file.read"), { file: chosen.name }));
      props.onRead(r.data.resume);
    } else {
      setNotice(null);
      setError(r.error);
    }
  };
  return (
    <div class="form" data-testid="resume-file">
      <FileInput label={t("resume.file")} accept=".pdf,.docx,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document" onChange={choose} testId="resume-file-input" />
      <p class="hint">{t("resume.file.lead")}</p>
      <Alert text={error} testId="resume-file-error" />
      <Done text={notice} testId="resume-file-done" />
    </div>
  );
}

function ResumeForm(props: { resume: ResumeDto; onSaved: (r: ResumeDto) => void }) {
  const { t, lang } = useT();
  const f = props.resume.facts;
  const [education, setEducation] = useState<Education | null>(f.education);
  const [major, setMajor] = useState(f.major ?? "");
  const [years, setYears] = useState(f.years === null ? "" : String(f.years));
  const [employers, setEmployers] = useState(f.employers.join("、"));
  const [roles, setRoles] = useState(f.roles.join("、"));
  const [skills, setSkills] = useState(f.skills.join("、"));
  const [text, setText] = useState(f.text);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const when = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  const save = async (e: Event) => {
    e.preventDefault();
    const facts = {
      education,
      major: major.trim() === "" ? null : major.trim(),
      years: years.trim() === "" ? null : Number(years),
      employers: splitList(employers),
      roles: splitList(roles),
      skills: splitList(skills),
      text,
    };
    const r = await runCommand(() => commands.resumeSave(props.resume.candidateId, facts, props.resume.revision), lang);
    if (r.ok) {
      setError(null);
      setNotice(t("resume.saved"));
      props.onSaved(r.data);
    } else {
      // The form keeps what was typed.
      setNotice(null);
      setError(r.error);
    }
  };
  const source = props.resume.source;
  return (
    <>
      <h4>{t("resume.title")}</h4>
      <p class="hint" data-testid="resume-source">
        {source === null
          ? t("resume.none")
          : formatText(t("resume.from"), {
              source: t(RESUME_SOURCE_LABEL[source]),
              by: props.resume.updatedBy ?? "—",
              at: when.format(new Date(props.resume.updatedAtMs ?? 0)),
            })}
      </p>
      <p class="hint">{t("resume.lead")}</p>
      <Form class="form" onSubmit={save}>
        <label>
          {t("resume.education")}
          <select value={education ?? ""} onChange={(e) => setEducation(e.currentTarget.value === "" ? null : member(EDUCATIONS, e.currentTarget.value))} data-testid="resume-education">
            <option value="">{t("resume.unknown")}</option>
            {EDUCATIONS.map((ed) => (
              <option key={ed} value={ed}>
                {t(EDUCATION_LABEL[ed])}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("resume.major")}
          <input value={major} maxLength={200} onInput={(e) => setMajor(e.currentTarget.value)} data-testid="resume-major" />
        </label>
        <label>
          {t("resume.years")}
          <input type="number" min="0" max="60" step="1" value={years} onInput={(e) => setYears(e.currentTarget.value)} data-testid="resume-years" />
        </label>
        <label>
          {t("resume.employers")}
          <input value={employers} onInput={(e) => setEmployers(e.currentTarget.value)} aria-describedby="resume-lists" data-testid="resume-employers" />
        </label>
        <label>
          {t("resume.roles")}
          <input value={roles} onInput={(e) => setRoles(e.currentTarget.value)} aria-describedby="resume-lists" data-testid="resume-roles" />
        </label>
        <label>
          {t("resume.skills")}
          <input value={skills} onInput={(e) => setSkills(e.currentTarget.value)} aria-describedby="resume-lists" data-testid="resume-skills" />
        </label>
        <p class="hint" id="resume-lists">{t("resume.lists")}</p>
        <label>
          {t("resume.text")}
          <textarea rows={6} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="resume-text" />
        </label>
        <button type="submit" class="button button--primary" data-testid="resume-save">
          {t("resume.save")}
        </button>
      </Form>
      <Alert text={error} testId="resume-error" />
      <Done text={notice} testId="resume-done" />
    </>
  );
}

function Personalised(props: { interviewId: number }) {
  const { t, lang } = useT();
  const [planned, setPlanned] = useState<PlannedQuestionDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void runCommand(() => commands.interviewPersonalised(props.interviewId), lang).then((r) => (r.ok ? setPlanned(r.data) : setError(r.error)));
  }, [props.interviewId]);
  const remove = async (questionId: number) => {
    const r = await runCommand(() => commands.personalisedRemove(props.interviewId, questionId), lang);
    if (r.ok) {
      setPlanned(r.data);
      setError(null);
    } else setError(r.error);
  };
  return (
    <div data-testid="personalised">
      <h4>{t("personalised.title")}</h4>
      <p class="hint">{t("personalised.lead")}</p>
      <Alert text={error} testId="personalised-error" />
      {planned !== null && planned.length === 0 && <p>{t("personalised.none")}</p>}
      {planned !== null && planned.length > 0 && (
        <ul>
          {planned.map((p) => (
            <li key={p.questionId} data-testid="personalised-question">
              <p>
                {p.removedBy !== null ? <s>{p.text}</s> : p.text}
                {p.removedBy !== null && <small data-testid="personalised-removed"> {formatText(t("personalised.removed"), { by: p.removedBy })}</small>}
              </p>
              <p class="hint" data-testid="personalised-reason">
                {p.reasons.map((r) => textIn(r, lang)).join(t("personalised.and"))}
              </p>
              {p.removedBy === null && (
                <button type="button" class="button button--quiet" onClick={() => void remove(p.questionId)} data-testid="personalised-remove">
                  {t("personalised.remove")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
