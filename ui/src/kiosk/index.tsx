// The candidates' kiosk: a full-screen window of its own. Every step is a screen with one
// clear action; the backend owns the clocks, the rules and the recording, and the page only
// shows what the station reports. After each visit the page is reloaded, so nothing of the
// candidate stays in it.
import { Channel } from "@tauri-apps/api/core";
import { useEffect, useRef, useState } from "preact/hooks";
import { type Text, commands, textIn } from "../shared/api";
import { type Outcome, runCommand } from "../shared/call";
import type { KioskPlanDto, KioskResumeDto, KioskSignal, KioskStatusDto } from "../shared/bindings";
import { type Key, type Lang, LangContext, formatText, parseLang, translate, useT } from "../shared/i18n";
import { markInteractive } from "../shared/status";
import { Form } from "../shared/form";

const LANG_KEY = "interview-kiosk.kiosk-lang";

export type Screen =
  | { name: "loading" }
  | { name: "station" }
  | { name: "welcome" }
  | { name: "code" }
  | { name: "identity"; code: string }
  | { name: "confirm"; plan: KioskPlanDto }
  | { name: "consent"; plan: KioskPlanDto }
  | { name: "declined" }
  | { name: "devices"; plan: KioskPlanDto }
  | { name: "practiceIntro"; plan: KioskPlanDto }
  | { name: "question"; plan: KioskPlanDto; index: number | "practice"; attempt: number }
  | { name: "thanks" }
  | { name: "staffExit" };

/// What the station has reported for the current countdown.
export interface Live {
  preview: string | null;
  level: number;
  phase: "preparing" | "answering" | null;
  remainingMs: number;
  totalMs: number;
  paused: Text | null;
  callClerk: Text | null;
  done: { committed: boolean; attemptsLeft: number } | null;
  practiceDone: boolean;
  failed: Text | null;
  /// The answer ended and the station is deciding on a follow-up.
  deciding: boolean;
  /// The follow-up being asked, if one is.
  followUp: { ordinal: number; question: string } | null;
}

export const QUIET: Live = {
  preview: null,
  level: -90,
  phase: null,
  remainingMs: 0,
  totalMs: 0,
  paused: null,
  callClerk: null,
  done: null,
  practiceDone: false,
  failed: null,
  deciding: false,
  followUp: null,
};

export function KioskApp() {
  const [lang, setLangState] = useState<Lang>(() => parseLang(sessionStorage.getItem(LANG_KEY)));
  const setLang = (next: Lang) => {
    sessionStorage.setItem(LANG_KEY, next);
    setLangState(next);
  };
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, "app.name");
  }, [lang]);
  useEffect(() => {
    // No context menu at the kiosk (it would offer "reload" and "inspect"), and nothing copied
    // or cut from a kiosk screen: what one candidate copies must not reach the next.
    const block = (event: Event) => event.preventDefault();
    const blocked = ["contextmenu", "copy", "cut", "dragstart"];
    for (const name of blocked) document.addEventListener(name, block);
    return () => {
      for (const name of blocked) document.removeEventListener(name, block);
    };
  }, []);
  return (
    <LangContext.Provider value={{ lang, setLang }}>
      <Kiosk />
    </LangContext.Provider>
  );
}

/// Back to the welcome screen with a fresh page: nothing of the last candidate survives.
function restart() {
  sessionStorage.clear();
  localStorage.clear();
  window.location.reload();
}

function Kiosk() {
  const { t, lang } = useT();
  const [screen, setScreen] = useState<Screen>({ name: "loading" });
  const [status, setStatus] = useState<KioskStatusDto | null>(null);
  const [live, setLive] = useState<Live>(QUIET);
  const [error, setError] = useState<string | null>(null);
  /// Why the kiosk cannot start, if it cannot (shown to staff on the sign-in screen).
  const [fault, setFault] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  // The station's signals, subscribed once per page.
  useEffect(() => {
    const channel = new Channel<KioskSignal>();
    channel.onmessage = (signal) => setLive((current) => applySignal(current, signal));
    void commands.kioskWatch(channel);
    // The first answer of a page loaded during a visit (its process was lost and the window
    // reloaded it) says where the visit stands: the page takes it up there.
    let first = true;
    const load = () =>
      runCommand(() => commands.kioskStatus(), lang).then((result) => {
        const resume = first && result.ok && result.data.station !== null ? result.data.resume : null;
        first = false;
        if (resume !== null) {
          const at = resumeAt(resume);
          setStatus(result.ok ? result.data : null);
          setLive((current) => ({ ...at.live, preview: current.preview }));
          setScreen(at.screen);
          void commands.kioskResume();
          return;
        }
        if (!result.ok) {
          // The station cannot start (another program has it open, a damaged spool): staff
          // see why on the sign-in screen.
          setScreen((current) => (current.name === "loading" ? { name: "station" } : current));
          setFault(result.error);
          return;
        }
        setFault(null);
        setStatus(result.data);
        setScreen((current) =>
          current.name === "loading" || (current.name === "welcome" && result.data.station === null)
            ? { name: result.data.station === null ? "station" : "welcome" }
            : current,
        );
      });
    void load();
    // Keeps the station's session alive and the queue count and the hub's link fresh while idle.
    const timer = window.setInterval(() => void load(), 15_000);
    return () => window.clearInterval(timer);
  }, []);

  // The first screen a person can use is up: marked for the start-up benchmark.
  useEffect(() => {
    if (screen.name !== "loading") markInteractive();
  }, [screen.name !== "loading"]);

  // Each new screen: its heading takes the focus (screen readers announce it), errors clear.
  useEffect(() => {
    setError(null);
    heading.current?.focus();
  }, [screen.name, screen.name === "question" ? `${String(screen.index)}-${screen.attempt}` : ""]);

  // The idle timeout: no touch or key for a while on a screen that waits for the candidate.
  const waitsForCandidate = !["loading", "station", "welcome"].includes(screen.name) && !(screen.name === "question" && live.phase !== null && live.done === null && !live.practiceDone);
  useEffect(() => {
    if (!waitsForCandidate || status === null) return;
    let timer = window.setTimeout(leave, status.idleSeconds * 1000);
    const reset = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(leave, status.idleSeconds * 1000);
    };
    window.addEventListener("pointerdown", reset);
    window.addEventListener("keydown", reset);
    return () => {
      window.clearTimeout(timer);
      window.removeEventListener("pointerdown", reset);
      window.removeEventListener("keydown", reset);
    };
  }, [waitsForCandidate, screen, status]);

  async function leave() {
    await commands.kioskLeave().catch(() => undefined);
    restart();
  }

  /// Runs a backend step; its error (the backend's sentence) is shown on the screen.
  async function step<T>(call: () => Promise<Outcome<T>>, then: (data: T) => void) {
    setError(null);
    const result = await runCommand(call, lang);
    if (result.ok) then(result.data);
    else setError(result.error);
  }

  const startQuestion = (plan: KioskPlanDto, index: number | "practice", attempt: number) => {
    setLive((current) => ({ ...QUIET, preview: current.preview }));
    setScreen({ name: "question", plan, index, attempt });
    void step(
      () => (index === "practice" ? commands.kioskPractice() : commands.kioskQuestion(index)),
      () => undefined,
    );
  };

  const large = "plan" in screen && screen.plan.largeText;
  const alert = error !== null && (
    <p role="alert" class="kiosk__error" data-testid="kiosk-error">
      {error}
    </p>
  );
  const h = (key: Key, extra?: string) => (
    <h1 class="kiosk__title" tabIndex={-1} ref={heading}>
      {extra ?? t(key)}
    </h1>
  );

  let body: preact.JSX.Element;
  switch (screen.name) {
    case "loading":
      body = <p aria-busy="true">{t("kiosk.loading")}</p>;
      break;
    case "station":
      body = <StationSignIn heading={h("kiosk.station.title")} error={alert || (fault !== null && <p role="alert" class="kiosk__error" data-testid="kiosk-fault">{fault}</p>)} onDone={(s) => { setStatus(s); setScreen({ name: "welcome" }); }} step={step} />;
      break;
    case "welcome":
      body = (
        <div class="kiosk__welcome" data-testid="kiosk-welcome">
          {status?.organisation && <p class="kiosk__org">{status.organisation}</p>}
          {h("kiosk.welcome.title")}
          <p class="kiosk__lead">{t("kiosk.welcome.lead")}</p>
          <Clock />
          <button type="button" class="kiosk__primary" data-testid="kiosk-start" onClick={() => setScreen({ name: "code" })}>
            {t("kiosk.welcome.start")}
          </button>
          <button type="button" class="kiosk__staff" data-testid="kiosk-staff" onClick={() => setScreen({ name: "staffExit" })}>
            {t("kiosk.staff.link")}
          </button>
        </div>
      );
      break;
    case "code":
      body = (
        <OneFieldForm
          key="code"
          testId="kiosk-code"
          heading={h("kiosk.code.title")}
          lead={t("kiosk.code.lead")}
          label={t("kiosk.code.label")}
          maxLength={12}
          placeholder="XXXX-XXXX"
          error={alert}
          onBack={() => void leave()}
          onSubmit={(code) =>
            step(
              () => commands.kioskCheckCode(code),
              (r) => {
                if (r.needsIdentity) setScreen({ name: "identity", code });
                else void step(() => commands.kioskCheckIn(code, null), (plan) => setScreen({ name: "confirm", plan }));
              },
            )
          }
        />
      );
      break;
    case "identity":
      body = (
        <OneFieldForm
          key="identity"
          testId="kiosk-identity"
          heading={h("kiosk.identity.title")}
          lead={t("kiosk.identity.lead")}
          label={t("kiosk.identity.label")}
          minLength={4}
          maxLength={4}
          error={alert}
          onBack={() => void leave()}
          onSubmit={(last4) => step(() => commands.kioskCheckIn(screen.code, last4), (plan) => setScreen({ name: "confirm", plan }))}
        />
      );
      break;
    case "confirm":
      body = (
        <div data-testid="kiosk-confirm">
          {h("kiosk.confirm.title", formatText(t("kiosk.confirm.title"), { name: screen.plan.maskedName }))}
          <p class="kiosk__lead">{formatText(t("kiosk.confirm.job"), { job: screen.plan.jobTitle })}</p>
          <p>{formatText(t("kiosk.confirm.count"), { n: num(screen.plan.questions.length, lang) })}</p>
          {screen.plan.extraTimePct > 0 && <p>{formatText(t("kiosk.confirm.extra"), { pct: num(screen.plan.extraTimePct, lang) })}</p>}
          <div class="kiosk__actions">
            <button type="button" class="kiosk__primary" data-testid="kiosk-confirm-yes" onClick={() => setScreen({ name: "consent", plan: screen.plan })}>
              {t("kiosk.confirm.yes")}
            </button>
            <button type="button" class="kiosk__secondary" data-testid="kiosk-confirm-no" onClick={() => void leave()}>
              {t("kiosk.confirm.no")}
            </button>
          </div>
        </div>
      );
      break;
    case "consent":
      body = (
        <div data-testid="kiosk-consent">
          {h("kiosk.consent.title")}
          <dl class="kiosk__consent">
            <dt>{t("kiosk.consent.what.title")}</dt>
            <dd>{t("kiosk.consent.what")}</dd>
            <dt>{t("kiosk.consent.why.title")}</dt>
            <dd>{t("kiosk.consent.why")}</dd>
            <dt>{t("kiosk.consent.long.title")}</dt>
            <dd>{formatText(t("kiosk.consent.long"), { days: num(screen.plan.retentionDays, lang) })}</dd>
            {screen.plan.followUps && (
              <>
                <dt>{t("kiosk.consent.followUps.title")}</dt>
                <dd data-testid="kiosk-consent-follow-ups">{t("kiosk.consent.followUps")}</dd>
              </>
            )}
            <dt>{t("kiosk.consent.rights.title")}</dt>
            <dd>{t("kiosk.consent.rights")}</dd>
          </dl>
          {alert}
          <div class="kiosk__actions">
            <button
              type="button"
              class="kiosk__primary"
              data-testid="kiosk-consent-yes"
              onClick={() =>
                step(
                  () => commands.kioskConsent(true),
                  () => setScreen({ name: "devices", plan: screen.plan }),
                )
              }
            >
              {t("kiosk.consent.yes")}
            </button>
            <button
              type="button"
              class="kiosk__secondary"
              data-testid="kiosk-consent-no"
              onClick={() => step(() => commands.kioskConsent(false), () => setScreen({ name: "declined" }))}
            >
              {t("kiosk.consent.no")}
            </button>
          </div>
        </div>
      );
      break;
    case "declined":
      body = (
        <div data-testid="kiosk-declined">
          {h("kiosk.declined.title")}
          <p class="kiosk__lead">{t("kiosk.declined.lead")}</p>
          <AutoReturn seconds={20} onDone={restart} />
          <button type="button" class="kiosk__primary" data-testid="kiosk-declined-done" onClick={restart}>
            {t("kiosk.done")}
          </button>
        </div>
      );
      break;
    case "devices":
      body = (
        <DeviceCheck
          heading={h("kiosk.devices.title")}
          live={live}
          error={alert}
          start={() => step(() => commands.kioskStartDevices(), () => undefined)}
          onReady={() => setScreen({ name: "practiceIntro", plan: screen.plan })}
        />
      );
      break;
    case "practiceIntro":
      body = (
        <div data-testid="kiosk-practice-intro">
          {h("kiosk.practice.title")}
          <ol class="kiosk__steps">
            <li>{formatText(t("kiosk.practice.step1"), { s: num(screen.plan.practicePrepSeconds, lang) })}</li>
            <li>{t("kiosk.practice.step2")}</li>
            <li>{t("kiosk.practice.step3")}</li>
          </ol>
          <div class="kiosk__actions">
            <button type="button" class="kiosk__primary" data-testid="kiosk-practice-start" onClick={() => startQuestion(screen.plan, "practice", 1)}>
              {t("kiosk.practice.start")}
            </button>
            <button type="button" class="kiosk__secondary" data-testid="kiosk-practice-skip" onClick={() => startQuestion(screen.plan, 0, 1)}>
              {t("kiosk.practice.skip")}
            </button>
          </div>
        </div>
      );
      break;
    case "question": {
      const { plan, index, attempt } = screen;
      const practice = index === "practice";
      const question = practice ? null : plan.questions[index];
      const last = practice || index + 1 >= plan.questions.length;
      const next = () => {
        if (practice) startQuestion(plan, 0, 1);
        else if (!last) startQuestion(plan, index + 1, 1);
        else void step(() => commands.kioskComplete(), () => setScreen({ name: "thanks" }));
      };
      body = (
        <QuestionScreen
          heading={h(
            "kiosk.question.title",
            practice
              ? t("kiosk.question.practice")
              : formatText(t("kiosk.question.title"), { n: num(index + 1, lang), total: num(plan.questions.length, lang) }),
          )}
          text={practice ? t("kiosk.practice.question") : (question?.text ?? "")}
          live={live}
          error={alert}
          practice={practice}
          onRetake={() => startQuestion(plan, index, attempt + 1)}
          onNext={next}
          lastLabel={practice ? t("kiosk.question.toReal") : last ? t("kiosk.question.finish") : t("kiosk.question.next")}
        />
      );
      break;
    }
    case "thanks":
      body = (
        <div data-testid="kiosk-thanks">
          {h("kiosk.thanks.title")}
          <p class="kiosk__lead">{t("kiosk.thanks.lead")}</p>
          <p>{t("kiosk.thanks.human")}</p>
          <AutoReturn seconds={20} onDone={restart} />
          <button type="button" class="kiosk__primary" data-testid="kiosk-thanks-done" onClick={restart}>
            {t("kiosk.done")}
          </button>
        </div>
      );
      break;
    case "staffExit":
      body = (
        <StaffExit heading={h("kiosk.staff.title")} error={alert} onBack={() => setScreen({ name: "welcome" })} step={step}>
          {status !== null && <StaffFacts status={status} />}
        </StaffExit>
      );
      break;
  }

  return (
    <div class={large ? "kiosk kiosk--large" : "kiosk"} data-testid="kiosk" data-screen={screen.name}>
      <header class="kiosk__bar">
        <span class="kiosk__brand">{t("app.name")}</span>
        <LangButtons />
      </header>
      <main class="kiosk__main">{body}</main>
    </div>
  );
}

/// Where a page loaded during a visit takes it up: the screen of the step the visit is at, and
/// how its last practice or attempt ended if it has ended. A running one goes on by itself once
/// the page says it is back (`kioskResume`).
export function resumeAt(resume: KioskResumeDto): { screen: Screen; live: Live } {
  const plan = resume.plan;
  const step = resume.step;
  switch (step.step) {
    case "confirm":
      return { screen: { name: "confirm", plan }, live: QUIET };
    case "devices":
      return { screen: { name: "devices", plan }, live: QUIET };
    case "practice":
      return { screen: { name: "question", plan, index: "practice", attempt: 1 }, live: { ...QUIET, practiceDone: step.done } };
    case "question": {
      const done = step.done ?? null;
      const followUp = step.followUp ?? null;
      return {
        screen: { name: "question", plan, index: step.index, attempt: step.attempt },
        live:
          done !== null
            ? { ...QUIET, done: { committed: done.committed, attemptsLeft: done.attemptsLeft } }
            : { ...QUIET, followUp: followUp === null ? null : { ordinal: followUp.ordinal, question: followUp.question } },
      };
    }
  }
}

export function applySignal(live: Live, signal: KioskSignal): Live {
  switch (signal.type) {
    case "preview":
      return { ...live, preview: signal.dataUrl };
    case "level":
      return { ...live, level: signal.rmsDbfs ?? -90 };
    case "countdown":
      return { ...live, deciding: false, phase: signal.phase === "answering" ? "answering" : "preparing", remainingMs: signal.remainingMs, totalMs: signal.totalMs };
    case "deciding":
      return { ...live, phase: null, deciding: true };
    case "followUp":
      return { ...live, phase: null, deciding: false, followUp: { ordinal: signal.ordinal, question: signal.question } };
    case "paused":
      return { ...live, paused: signal.message };
    case "resumed":
      return { ...live, paused: null, callClerk: null };
    case "callClerk":
      return { ...live, callClerk: signal.message };
    case "saved":
      return live;
    case "answerDone":
      return { ...live, phase: null, deciding: false, done: { committed: signal.committed, attemptsLeft: signal.attemptsLeft } };
    case "practiceDone":
      return { ...live, phase: null, practiceDone: true };
    case "failed":
      return { ...live, phase: null, failed: signal.message };
  }
}

function num(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang).format(n);
}

function LangButtons() {
  const { lang, setLang } = useT();
  return (
    <div class="kiosk__langs" role="group" aria-label={translate(lang, "lang.switch.label")}>
      {(["zh-CN", "en"] as const).map((l) => (
        <button key={l} type="button" aria-pressed={l === lang} data-testid={`kiosk-lang-${l}`} onClick={() => setLang(l)}>
          {l === "en" ? "English" : "中文"}
        </button>
      ))}
    </div>
  );
}

function Clock() {
  const { lang } = useT();
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), 15_000);
    return () => window.clearInterval(timer);
  }, []);
  return <p class="kiosk__clock">{new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short" }).format(now)}</p>;
}

/// Returns to the welcome screen after `seconds`, saying so.
function AutoReturn(props: { seconds: number; onDone: () => void }) {
  const { t, lang } = useT();
  const [left, setLeft] = useState(props.seconds);
  useEffect(() => {
    const timer = window.setInterval(() => setLeft((s) => s - 1), 1000);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => {
    if (left <= 0) props.onDone();
  }, [left]);
  return <p class="kiosk__muted">{formatText(t("kiosk.autoReturn"), { s: num(Math.max(left, 0), lang) })}</p>;
}

type Step = <T>(call: () => Promise<Outcome<T>>, then: (data: T) => void) => Promise<void>;

function StationSignIn(props: { heading: preact.JSX.Element; error: preact.JSX.Element | false; onDone: (s: KioskStatusDto) => void; step: Step }) {
  const { t } = useT();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  return (
    <Form
      class="kiosk__form"
      data-testid="kiosk-station"
      onSubmit={(e) => {
        e.preventDefault();
        void props.step(() => commands.kioskSignIn(username, password), (s) => props.onDone(s));
        setPassword("");
      }}
    >
      {props.heading}
      <p class="kiosk__lead">{t("kiosk.station.lead")}</p>
      <label>
        {t("signin.username")}
        <input value={username} onInput={(e) => setUsername(e.currentTarget.value)} required autocomplete="username" data-testid="kiosk-station-username" />
      </label>
      <label>
        {t("signin.password")}
        <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required data-testid="kiosk-station-password" />
      </label>
      {props.error}
      <button type="submit" class="kiosk__primary" data-testid="kiosk-station-submit">
        {t("kiosk.station.submit")}
      </button>
    </Form>
  );
}

/// One field and a "Next": the access code, or the end of the ID number.
function OneFieldForm(props: {
  testId: string;
  heading: preact.JSX.Element;
  lead: string;
  label: string;
  error: preact.JSX.Element | false;
  minLength?: number;
  maxLength: number;
  placeholder?: string;
  onBack: () => void;
  onSubmit: (value: string) => void;
}) {
  const { t } = useT();
  const [value, setValue] = useState("");
  return (
    <Form
      class="kiosk__form"
      data-testid={props.testId}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(value);
      }}
    >
      {props.heading}
      <p class="kiosk__lead">{props.lead}</p>
      <label>
        {props.label}
        <input
          class="kiosk__code"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value.toUpperCase())}
          required
          minLength={props.minLength}
          maxLength={props.maxLength}
          placeholder={props.placeholder}
          autocomplete="off"
          spellcheck={false}
          autoFocus
          data-testid={`${props.testId}-input`}
        />
      </label>
      {props.error}
      <div class="kiosk__actions">
        <button type="submit" class="kiosk__primary" data-testid={`${props.testId}-submit`}>
          {t("kiosk.next")}
        </button>
        <button type="button" class="kiosk__secondary" onClick={props.onBack} data-testid="kiosk-back">
          {t("kiosk.back")}
        </button>
      </div>
    </Form>
  );
}

function Preview(props: { live: Live }) {
  const { t } = useT();
  return (
    <div class="kiosk__preview">
      {props.live.preview !== null ? (
        <img src={props.live.preview} alt={t("kiosk.devices.previewAlt")} data-testid="kiosk-preview" />
      ) : (
        <div class="kiosk__preview-empty">{t("kiosk.devices.waiting")}</div>
      )}
      <label class="kiosk__meter">
        {t("kiosk.devices.level")}
        <meter min={-60} max={0} low={-45} value={Math.max(-60, props.live.level)} data-testid="kiosk-level" />
      </label>
    </div>
  );
}

function DeviceCheck(props: { heading: preact.JSX.Element; live: Live; error: preact.JSX.Element | false; start: () => Promise<void>; onReady: () => void }) {
  const { t } = useT();
  const [started, setStarted] = useState(false);
  const [busy, setBusy] = useState(true);
  /// The candidate says something is wrong (no picture of them, no sound): staff are asked for.
  const [help, setHelp] = useState(false);
  const run = async () => {
    setBusy(true);
    await props.start();
    setBusy(false);
    setStarted(true);
  };
  useEffect(() => {
    void run();
  }, []);
  return (
    <div data-testid="kiosk-devices">
      {props.heading}
      <p class="kiosk__lead">{t("kiosk.devices.lead")}</p>
      <Preview live={props.live} />
      {busy && <p aria-live="polite">{t("kiosk.devices.starting")}</p>}
      {props.error}
      <div class="kiosk__actions">
        <button type="button" class="kiosk__primary" disabled={busy || props.live.preview === null} data-testid="kiosk-devices-ok" onClick={props.onReady}>
          {t("kiosk.devices.ok")}
        </button>
        {started && props.error !== false && (
          <button type="button" class="kiosk__secondary" onClick={() => void run()}>
            {t("kiosk.devices.retry")}
          </button>
        )}
        <button type="button" class="kiosk__secondary" data-testid="kiosk-devices-help" onClick={() => setHelp(true)}>
          {t("kiosk.devices.wrong")}
        </button>
      </div>
      {help && (
        <p role="alert" class="kiosk__callout" data-testid="kiosk-devices-help-text">
          {t("kiosk.devices.wrongHelp")}
        </p>
      )}
    </div>
  );
}

function QuestionScreen(props: {
  heading: preact.JSX.Element;
  text: string;
  live: Live;
  error: preact.JSX.Element | false;
  practice: boolean;
  onRetake: () => void;
  onNext: () => void;
  lastLabel: string;
}) {
  const { t, lang } = useT();
  const { live } = props;
  const seconds = Math.ceil(live.remainingMs / 1000);
  const clock = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  const finished = live.done !== null || live.practiceDone || live.failed !== null;
  return (
    <div data-testid="kiosk-question" data-phase={finished ? "done" : (live.phase ?? "starting")}>
      {props.heading}
      <p class={live.followUp !== null && !finished ? "kiosk__question kiosk__muted" : "kiosk__question"} data-testid="kiosk-question-text">
        {props.text}
      </p>
      {live.followUp !== null && !finished && (
        <div class="kiosk__follow-up" role="status" data-testid="kiosk-follow-up" data-ordinal={live.followUp.ordinal}>
          <p class="kiosk__phase">{t("kiosk.question.followUp")}</p>
          <p class="kiosk__question" data-testid="kiosk-follow-up-text">{live.followUp.question}</p>
          <p class="kiosk__muted">{t("kiosk.question.followUpLead")}</p>
        </div>
      )}
      <div class="kiosk__stage">
        <Preview live={live} />
        <div class="kiosk__timer">
          {!finished && live.phase !== null && (
            <>
              <p class={live.phase === "answering" ? "kiosk__phase kiosk__phase--rec" : "kiosk__phase"} aria-live="polite" data-testid="kiosk-phase">
                {live.phase === "answering" ? (props.practice ? t("kiosk.question.answeringPractice") : t("kiosk.question.answering")) : t("kiosk.question.preparing")}
              </p>
              <p class="kiosk__countdown" role="timer" aria-label={formatText(t("kiosk.question.left"), { s: num(seconds, lang) })} data-testid="kiosk-countdown">
                {clock}
              </p>
              {live.phase === "preparing" ? (
                <button type="button" class="kiosk__primary" data-testid="kiosk-ready" onClick={() => void commands.kioskReady()}>
                  {t("kiosk.question.ready")}
                </button>
              ) : (
                <button type="button" class="kiosk__primary" data-testid="kiosk-finish" onClick={() => void commands.kioskFinish()}>
                  {t("kiosk.question.finished")}
                </button>
              )}
            </>
          )}
          {live.paused !== null && !finished && (
            <div role="alert" class="kiosk__paused" data-testid="kiosk-paused">
              <p>{textIn(live.paused, lang)}</p>
              {live.callClerk !== null && <p>{textIn(live.callClerk, lang)}</p>}
            </div>
          )}
          {finished && (
            <div data-testid="kiosk-answer-done">
              {live.failed !== null ? (
                <p role="alert" class="kiosk__error">{textIn(live.failed, lang)}</p>
              ) : live.practiceDone ? (
                <p aria-live="polite">{t("kiosk.question.practiceDone")}</p>
              ) : live.done?.committed ? (
                <p aria-live="polite" data-testid="kiosk-saved">{t("kiosk.question.saved")}</p>
              ) : (
                <p role="alert">{t("kiosk.question.notSaved")}</p>
              )}
              {props.error}
              <div class="kiosk__actions">
                {live.done !== null && (live.done.attemptsLeft > 0 || !live.done.committed) && (
                  <button type="button" class="kiosk__secondary" data-testid="kiosk-retake" onClick={props.onRetake}>
                    {live.done.committed ? formatText(t("kiosk.question.retake"), { n: num(live.done.attemptsLeft, lang) }) : t("kiosk.question.again")}
                  </button>
                )}
                {(live.done === null || live.done.committed) && (
                  <button type="button" class="kiosk__primary" data-testid="kiosk-next" onClick={props.onNext}>
                    {props.lastLabel}
                  </button>
                )}
              </div>
            </div>
          )}
          {!finished && live.phase === null && (
            <p aria-busy="true" data-testid={live.deciding ? "kiosk-deciding" : undefined}>
              {live.deciding ? t("kiosk.question.deciding") : t("kiosk.loading")}
            </p>
          )}
        </div>
      </div>
    </div>
  );
}

/// What staff need to know about the station (never shown to candidates: only in the staff
/// panel): its account, and the scoring queue — or, on a station of a hub, the link, what waits
/// to be sent and why no new visit starts.
function StaffFacts(props: { status: KioskStatusDto }) {
  const { t, lang } = useT();
  const { status } = props;
  const hub = status.hub ?? null;
  if (status.station === null) return null;
  return (
    <ul class="kiosk__facts" data-testid="kiosk-facts">
      <li data-testid="kiosk-station">{hub === null ? status.station : `${hub.name} · ${status.station}`}</li>
      {hub === null ? (
        <li data-testid="kiosk-queue" data-waiting={status.scoringWaiting}>
          {formatText(t("kiosk.footer.queue"), { n: num(status.scoringWaiting, lang) })}
        </li>
      ) : (
        <>
          <li data-testid="kiosk-hub" data-connected={String(hub.connected)} data-revoked={String(hub.revoked)}>
            {hub.revoked ? t("kiosk.footer.hubRevoked") : formatText(t(hub.connected ? "kiosk.footer.hub" : "kiosk.footer.hubDown"), { hub: hub.hub })}
          </li>
          <li data-testid="kiosk-waiting" data-waiting={hub.waiting}>
            {formatText(t("kiosk.footer.waiting"), { n: num(hub.waiting, lang) })}
          </li>
          {hub.refusingVisits != null && <li data-testid="kiosk-refusing">{textIn(hub.refusingVisits, lang)}</li>}
        </>
      )}
    </ul>
  );
}

function StaffExit(props: { heading: preact.JSX.Element; error: preact.JSX.Element | false; onBack: () => void; step: Step; children?: preact.ComponentChildren }) {
  const { t } = useT();
  const [password, setPassword] = useState("");
  return (
    <Form
      class="kiosk__form"
      data-testid="kiosk-staff-exit"
      onSubmit={(e) => {
        e.preventDefault();
        void props.step(() => commands.kioskExit(password), () => undefined);
        setPassword("");
      }}
    >
      {props.heading}
      {props.children}
      <p class="kiosk__lead">{t("kiosk.staff.lead")}</p>
      <label>
        {t("signin.password")}
        <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required autoFocus />
      </label>
      {props.error}
      <div class="kiosk__actions">
        <button type="submit" class="kiosk__primary">
          {t("kiosk.staff.exit")}
        </button>
        <button type="button" class="kiosk__secondary" onClick={props.onBack} data-testid="kiosk-back">
          {t("kiosk.back")}
        </button>
      </div>
    </Form>
  );
}
