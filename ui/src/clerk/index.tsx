// The clerk's workspace: jobs and the question bank, candidates and invitations, the status
// board, validity and weights (with the outcome import), and the review screen (#/clerk/<tab>,
// #/clerk/review/c<candidate> or /i<interview>).
import { useEffect, useState } from "preact/hooks";
import { AreaFrame } from "../shared/area";
import { commands } from "../shared/api";
import type { InterviewState, JobDto, ReviewRequestDto, StatusBoardDto } from "../shared/bindings";
import { runCommand } from "../shared/call";
import { CandidateBrowser } from "../shared/candidates";
import { type Key, formatText, useT } from "../shared/i18n";
import { ReviewScreen } from "../shared/review";
import { STATES, STATE_LABEL, stateKey } from "../shared/vocabulary";
import { go, useRest } from "../shared/router";
import { AREA_ROLES, OtherRole, SignIn, SignedIn } from "../shared/signin";
import { useStaff } from "../shared/staff";
import { CandidatePage } from "./candidate";
import { ImportCard } from "./import";
import { JobsPanel } from "./jobs";
import { Alert, Done } from "../shared/notice";
import { JobSelect } from "../shared/job-select";
import { Form } from "../shared/form";
import { ExportedFile } from "../shared/exported";
import { ValidityScreen } from "../shared/validity";

const TABS = ["board", "jobs", "candidates", "validity"] as const;
type Tab = (typeof TABS)[number];

export function ClerkArea() {
  const { t } = useT();
  const { staff, setStaff } = useStaff();
  return (
    <AreaFrame testId="area-clerk" title={t("clerk.title")} intro={t("clerk.intro")}>
      {staff === null ? <SignIn onSignedIn={setStaff} /> : !AREA_ROLES.clerk.includes(staff.role) ? <OtherRole area="clerk" /> : <Workspace />}
    </AreaFrame>
  );
}

function Workspace() {
  const { t, lang } = useT();
  const rest = useRest();
  const [jobs, setJobs] = useState<JobDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void runCommand(() => commands.clerkJobs(), lang).then((r) => (r.ok ? setJobs(r.data) : setError(r.error)));
  }, []);
  const tab: Tab = (TABS as readonly string[]).includes(rest[0] ?? "") ? (rest[0] as Tab) : "board";
  const review = rest[0] === "review" ? rest[1] ?? "" : null;
  const candidate = rest[0] === "candidate" && /^\d+$/.test(rest[1] ?? "") ? Number(rest[1]) : null;
  return (
    <>
      <SignedIn />
      <nav class="tabs" aria-label={t("clerk.tabs")}>
        {TABS.map((name) => (
          <a key={name} href={`#/clerk/${name}`} aria-current={review === null && candidate === null && name === tab ? "page" : undefined} data-testid={`tab-${name}`}>
            {t(`clerk.tab.${name}` as Key)}
          </a>
        ))}
      </nav>
      <Alert text={error} />
      {jobs !== null &&
        (review !== null ? (
          <ReviewScreen
            key={review}
            interviewId={review.startsWith("i") ? Number(review.slice(1)) : undefined}
            candidateId={review.startsWith("c") ? Number(review.slice(1)) : undefined}
            onBack={() => window.history.back()}
          />
        ) : candidate !== null ? (
          <CandidatePage key={candidate} candidateId={candidate} onBack={() => window.history.back()} />
        ) : tab === "jobs" ? (
          <JobsPanel jobs={jobs} onJobs={setJobs} />
        ) : tab === "validity" ? (
          <ValidityScreen jobs={jobs} />
        ) : tab === "candidates" ? (
          <Candidates key={rest[1] ?? ""} jobs={jobs} state={STATES.find((st) => st === rest[1]) ?? null} />
        ) : (
          <Board />
        ))}
    </>
  );
}

/// `state`: show only the candidates in that state (the board's tiles link here).
function Candidates(props: { jobs: JobDto[]; state: InterviewState | null }) {
  const { t } = useT();
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [reload, setReload] = useState(0);
  return (
    <>
      {props.jobs.length === 0 ? (
        <p class="card">{t("candidates.needJob")}</p>
      ) : (
        <>
          <AddCandidate jobs={props.jobs} onAdded={() => setReload(reload + 1)} />
          <ImportCard jobs={props.jobs} onImported={() => setReload(reload + 1)} />
        </>
      )}
      <section class="card" aria-labelledby="candidates-title">
        <h3 id="candidates-title">{t("candidates.title")}</h3>
        <CandidateBrowser jobs={props.jobs} initialState={props.state} selected={selected} onSelect={setSelected} onOpen={(id) => go("clerk", "review", `c${id}`)} onProfile={(id) => go("clerk", "candidate", String(id))} reload={reload} />
      </section>
      <Invite
        selected={selected}
        onInvited={() => {
          setSelected(new Set());
          setReload(reload + 1);
        }}
      />
    </>
  );
}

function AddCandidate(props: { jobs: JobDto[]; onAdded: () => void }) {
  const { t, lang } = useT();
  const [jobId, setJobId] = useState(props.jobs[0]?.id ?? 0);
  const [name, setName] = useState("");
  const [idNumber, setIdNumber] = useState("");
  const [phone, setPhone] = useState("");
  const [group, setGroup] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await runCommand(() => commands.clerkAddCandidate({ jobId, name, idNumber, phone, email: null, group }), lang);
    if (r.ok) {
      setNotice(formatText(t("candidates.added"), { name }));
      setError(null);
      setName("");
      setIdNumber("");
      setPhone("");
      props.onAdded();
    } else setError(r.error);
  };
  return (
    <section class="card" aria-labelledby="add-candidate-title" data-testid="add-candidate">
      <h3 id="add-candidate-title">{t("candidates.add")}</h3>
      <p class="hint">{t("candidates.add.lead")}</p>
      <Form class="form form--row" onSubmit={submit}>
        <JobSelect jobs={props.jobs} value={jobId} onChange={(job) => job !== null && setJobId(job)} testId="add-job" />
        <label>
          {t("candidates.name")}
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required data-testid="add-name" />
        </label>
        <label>
          {t("candidates.idNumber")}
          <input value={idNumber} onInput={(e) => setIdNumber(e.currentTarget.value)} autoComplete="off" data-testid="add-id" />
        </label>
        <label>
          {t("candidates.phone")}
          <input value={phone} onInput={(e) => setPhone(e.currentTarget.value)} autoComplete="off" />
        </label>
        <label>
          {t("candidates.group")}
          <input value={group} onInput={(e) => setGroup(e.currentTarget.value)} />
        </label>
        <button type="submit" class="button button--primary" data-testid="add-save">
          {t("candidates.add.save")}
        </button>
      </Form>
      <Alert text={error} testId="add-error" />
      <Done text={notice} />
    </section>
  );
}

/// `Date` → `2026-12-05 09:00` on this machine's clock: one way to write a time in both
/// languages, typed in our own field (the browser's date picker speaks the webview's language).
export function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function Invite(props: { selected: Set<number>; onInvited: () => void }) {
  const { t, lang } = useT();
  const [from, setFrom] = useState(() => localInput(new Date()));
  const [until, setUntil] = useState(() => localInput(new Date(Date.now() + 7 * 86_400_000)));
  const [extra, setExtra] = useState("0");
  const [largeText, setLargeText] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [slips, setSlips] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await runCommand(
      () => commands.clerkInvite({ candidateIds: [...props.selected], validFrom: from, validUntil: until, extraTimePct: Number(extra) || 0, largeText }),
      lang,
    );
    if (r.ok) {
      setNotice(formatText(t("invite.done"), { n: String(r.data.count) }));
      setSlips(r.data.path);
      setError(null);
      props.onInvited();
    } else setError(r.error);
  };
  return (
    <section class="card" aria-labelledby="invite-title" data-testid="invite">
      <h3 id="invite-title">{t("invite.title")}</h3>
      <p class="hint">{t("invite.lead")}</p>
      <Form class="form form--row" onSubmit={submit}>
        <label>
          {t("invite.from")}
          <input value={from} onInput={(e) => setFrom(e.currentTarget.value)} aria-describedby="invite-format" data-testid="invite-from" />
        </label>
        <label>
          {t("invite.until")}
          <input value={until} onInput={(e) => setUntil(e.currentTarget.value)} aria-describedby="invite-format" data-testid="invite-until" />
        </label>
        <label>
          {t("invite.extra")}
          <input type="number" min="0" max="200" step="10" value={extra} onInput={(e) => setExtra(e.currentTarget.value)} />
        </label>
        <label class="inline">
          <input type="checkbox" checked={largeText} onChange={(e) => setLargeText(e.currentTarget.checked)} />
          {t("invite.largeText")}
        </label>
        <p class="hint" id="invite-format">{t("invite.format")}</p>
        <button type="submit" class="button button--primary" disabled={props.selected.size === 0} data-testid="invite-save">
          {formatText(t("invite.save"), { n: String(props.selected.size) })}
        </button>
      </Form>
      <Alert text={error} testId="invite-error" />
      <Done text={notice} testId="invite-done" />
      {slips !== null && <ExportedFile path={slips} testId="invite-slips" />}
    </section>
  );
}

const BOARD: { key: keyof StatusBoardDto; state: InterviewState }[] = [
  { key: "invited", state: "invited" },
  { key: "checkedIn", state: "checked_in" },
  { key: "inProgress", state: "in_progress" },
  { key: "completed", state: "completed" },
  { key: "scored", state: "scored" },
  { key: "reviewed", state: "reviewed" },
];

/// Counts per state, the scoring queue, who is at a kiosk now, and the interviews colleagues
/// asked this clerk to rate; refreshed every five seconds.
function Board() {
  const { t, lang } = useT();
  const [board, setBoard] = useState<StatusBoardDto | null>(null);
  const [requests, setRequests] = useState<ReviewRequestDto[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () => {
      void runCommand(() => commands.clerkStatus(null), lang).then((r) => (r.ok ? (setBoard(r.data), setError(null)) : setError(r.error)));
      void runCommand(() => commands.reviewRequests(), lang).then((r) => r.ok && setRequests(r.data));
    };
    load();
    const timer = window.setInterval(load, 5000);
    return () => window.clearInterval(timer);
  }, []);
  const time = new Intl.DateTimeFormat(lang, { timeStyle: "short" });
  const number = new Intl.NumberFormat(lang);
  return (
    <>
      <Alert text={error} />
      {board !== null && (
        <section class="card" aria-labelledby="board-title" data-testid="board">
          <h3 id="board-title">{t("board.title")}</h3>
          <ul class="tiles">
            {BOARD.map((b) => (
              <li key={b.key} data-testid={`board-${b.key}`}>
                <a href={`#/clerk/candidates/${b.state}`} title={t("board.open")}>
                  <strong>{number.format(board[b.key] as number)}</strong>
                  <span>{t(STATE_LABEL[b.state])}</span>
                </a>
              </li>
            ))}
          </ul>
          <p class="hint" data-testid="board-scoring">
            {formatText(t("board.scoring"), { waiting: number.format(board.scoringWaiting), failed: number.format(board.scoringFailed), declined: number.format(board.declined) })}
          </p>
          <h4>{t("board.active")}</h4>
          {board.active.length === 0 ? (
            <p>{t("board.active.none")}</p>
          ) : (
            <table data-testid="board-active">
              <thead>
                <tr>
                  <th scope="col">{t("candidates.name")}</th>
                  <th scope="col">{t("candidates.job")}</th>
                  <th scope="col">{t("candidates.state")}</th>
                  <th scope="col">{t("board.progress")}</th>
                  <th scope="col">{t("board.kiosk")}</th>
                  <th scope="col">{t("board.updated")}</th>
                </tr>
              </thead>
              <tbody>
                {board.active.map((a) => (
                  <tr key={a.interviewId}>
                    <th scope="row">{a.candidateName}</th>
                    <td>{a.jobTitle}</td>
                    <td>{t(stateKey(a.state))}</td>
                    <td>{formatText(t("board.progressValue"), { done: String(a.answers), total: String(a.questions) })}</td>
                    <td>{a.device ?? "—"}</td>
                    <td>{time.format(new Date(a.updatedAtMs ?? 0))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
      <section class="card" aria-labelledby="requests-title" data-testid="review-requests">
        <h3 id="requests-title">{t("board.requests")}</h3>
        {requests.length === 0 ? (
          <p>{t("board.requests.none")}</p>
        ) : (
          <ul>
            {requests.map((r) => (
              <li key={r.interviewId}>
                <a href={`#/clerk/review/i${r.interviewId}`} data-testid="review-request">
                  {formatText(t("board.requests.item"), { name: r.candidateName, job: r.jobTitle, by: r.requestedBy })}
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
