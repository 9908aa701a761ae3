// The first run: a machine without a vault. The administrator creates the vault and their own
// account, keeps the recovery key (and proves it by typing two groups back), names the
// organisation, sets up the report-signing certificate, the retention period and the
// language. Each step is saved by the backend as it is confirmed.
import { useEffect, useRef, useState } from "preact/hooks";
import { commands } from "../shared/api";
import { type Outcome, runCommand } from "../shared/call";
import type { Lang, RecoveryKeyDto, SettingsDto, StaffDto, StationSetupDto } from "../shared/bindings";
import { type Key, formatText, useT } from "../shared/i18n";
import { LANG_NAME, LANG_OPTIONS, member } from "../shared/vocabulary";
import { Components, ReplaceSigningConfirm } from "./components";
import { FileInput, Form } from "../shared/form";

type Step = "welcome" | "admin" | "recovery" | "organisation" | "signing" | "retention" | "done" | "station";
const STEPS: Step[] = ["welcome", "admin", "recovery", "organisation", "signing", "retention", "done"];
/// Where "Back" leads. Not past what cannot be undone: the vault once created, the recovery
/// key once confirmed.
const BACK: Partial<Record<Step, Step>> = { admin: "welcome", signing: "organisation", retention: "signing" };

export function FirstRunWizard(props: { onFinished: (staff: StaffDto) => void; onStation: (station: StationSetupDto) => void }) {
  const { t, lang, setLang } = useT();
  const [step, setStep] = useState<Step>("welcome");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [recovery, setRecovery] = useState<RecoveryKeyDto | null>(null);
  const [settings, setSettings] = useState<SettingsDto | null>(null);
  /// Generating a second signing certificate waits for an in-page confirmation.
  const [replacing, setReplacing] = useState(false);
  const [admin, setAdmin] = useState<StaffDto | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setError(null);
    heading.current?.focus();
  }, [step]);

  async function run<T>(call: () => Promise<Outcome<T>>, then: (data: T) => void) {
    setBusy(true);
    setError(null);
    const result = await runCommand(call, lang);
    setBusy(false);
    if (result.ok) then(result.data);
    else setError(result.error);
  }

  const index = STEPS.indexOf(step);
  const alert = error !== null && (
    <p role="alert" class="bad" data-testid="wizard-error">
      {error}
    </p>
  );
  return (
    <section class="wizard" aria-labelledby="wizard-title" data-testid="wizard" data-step={step}>
      {step !== "station" && <p class="wizard__progress">{formatText(t("wizard.progress"), { n: String(index + 1), total: String(STEPS.length) })}</p>}
      <h2 id="wizard-title" tabIndex={-1} ref={heading}>
        {t(`wizard.${step}.title` as Key)}
      </h2>
      {step === "welcome" && (
        <div class="card">
          <p>{t("wizard.welcome.lead")}</p>
          <fieldset class="wizard__langs">
            <legend>{t("wizard.welcome.lang")}</legend>
            {(["zh-CN", "en"] as const).map((l) => (
              <label key={l}>
                <input type="radio" name="lang" checked={lang === l} onChange={() => setLang(l)} data-testid={`wizard-lang-${l}`} />
                {l === "en" ? "English" : "简体中文"}
              </label>
            ))}
          </fieldset>
          <button type="button" class="button button--primary" data-testid="wizard-next" onClick={() => setStep("admin")}>
            {t("wizard.begin")}
          </button>{" "}
          <button type="button" class="button" data-testid="wizard-station" onClick={() => setStep("station")}>
            {t("wizard.station.choose")}
          </button>
          <Components />
        </div>
      )}
      {step === "station" && <StationForm busy={busy} alert={alert} onSubmit={(hub, name, code) => run(() => commands.setupEnrolStation(hub, name, code), props.onStation)} onBack={() => setStep("welcome")} />}
      {step === "admin" && (
        <AdminForm
          busy={busy}
          alert={alert}
          onSubmit={(username, displayName, password) =>
            run(
              () => commands.setupCreateVault(username, displayName, password),
              (key) => {
                setRecovery(key);
                setAdmin({ username, role: "admin" });
                setStep("recovery");
              },
            )
          }
          onMismatch={() => setError(t("wizard.admin.mismatch"))}
        />
      )}
      {step === "recovery" && recovery !== null && (
        <RecoveryStep
          recovery={recovery}
          busy={busy}
          alert={alert}
          onSubmit={(typed) =>
            run(
              () => commands.setupConfirmRecovery(typed),
              () => {
                setRecovery(null);
                setStep("organisation");
              },
            )
          }
        />
      )}
      {step === "organisation" && (
        <OrganisationForm
          busy={busy}
          alert={alert}
          settings={settings}
          onSubmit={(name, logo, reportLang) =>
            run(
              () => commands.settingsOrganisation(name, logo, reportLang),
              (s) => {
                setSettings(s);
                setStep("signing");
              },
            )
          }
        />
      )}
      {step === "signing" && (
        <SigningStep
          busy={busy}
          alert={alert}
          settings={settings}
          onGenerate={() => {
            // A second click would replace the certificate just made: ask first.
            if (settings?.signing == null) run(() => commands.settingsSigningGenerate(), setSettings);
            else setReplacing(true);
          }}
          onImport={(p12, password) => run(() => commands.settingsSigningImport(p12, password), setSettings)}
          onNext={() => setStep("retention")}
        />
      )}
      {step === "signing" && replacing && (
        <ReplaceSigningConfirm
          busy={busy}
          onYes={() =>
            run(() => commands.settingsSigningGenerate(), (next) => {
              setSettings(next);
              setReplacing(false);
            })
          }
          onNo={() => setReplacing(false)}
        />
      )}
      {step === "retention" && (
        <RetentionForm
          busy={busy}
          alert={alert}
          initial={settings?.retentionDays ?? 180}
          onSubmit={(days) =>
            run(
              () => commands.settingsRetention(days),
              (s) => {
                setSettings(s);
                setStep("done");
              },
            )
          }
        />
      )}
      {BACK[step] !== undefined && (
        <p>
          <button type="button" class="button button--quiet" disabled={busy} onClick={() => setStep(BACK[step] ?? step)} data-testid="wizard-back">
            {t("wizard.back")}
          </button>
        </p>
      )}
      {step === "done" && (
        <div class="card" data-testid="wizard-done">
          <p>{t("wizard.done.lead")}</p>
          <ul>
            <li>{t("wizard.done.accounts")}</li>
            <li>{t("wizard.done.devices")}</li>
            <li>{t("wizard.done.kiosk")}</li>
          </ul>
          <button type="button" class="button button--primary" data-testid="wizard-finish" onClick={() => admin && props.onFinished(admin)}>
            {t("wizard.done.go")}
          </button>
        </div>
      )}
    </section>
  );
}

/// `CN=Interview Report Signing,O=某市人社局` → `Interview Report Signing · 某市人社局`: the
/// names a certificate's subject carries, without the X.500 attribute codes.
export function subjectText(subject: string): string {
  const parts = subject.split(/,(?=\s*[A-Za-z.0-9]+=)/).map((p) => p.trim());
  const value = (key: string) => parts.find((p) => p.toUpperCase().startsWith(`${key}=`))?.slice(key.length + 1).trim();
  const names = ["CN", "O", "OU", "L", "ST", "C"].map(value).filter((v): v is string => v !== undefined && v !== "");
  return names.length > 0 ? names.join(" · ") : subject;
}

function AdminForm(props: {
  busy: boolean;
  alert: preact.JSX.Element | false;
  onSubmit: (username: string, displayName: string, password: string) => void;
  onMismatch: () => void;
}) {
  const { t } = useT();
  const [username, setUsername] = useState("admin");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  return (
    <Form
      class="card form"
      data-testid="wizard-admin"
      onSubmit={(e) => {
        e.preventDefault();
        if (password !== again) props.onMismatch();
        else props.onSubmit(username, displayName, password);
      }}
    >
      <p>{t("wizard.admin.lead")}</p>
      <label>
        {t("signin.username")}
        <input value={username} onInput={(e) => setUsername(e.currentTarget.value)} required autocomplete="username" data-testid="wizard-admin-username" />
      </label>
      <label>
        {t("wizard.admin.name")}
        <input value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} required data-testid="wizard-admin-name" />
      </label>
      <label>
        {t("signin.password")}
        <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required minLength={12} autocomplete="new-password" aria-describedby="password-rule" data-testid="wizard-admin-password" />
      </label>
      <p id="password-rule" class="intro">
        {t("wizard.admin.rule")}
      </p>
      <label>
        {t("wizard.admin.again")}
        <input type="password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} required autocomplete="new-password" data-testid="wizard-admin-again" />
      </label>
      {props.alert}
      <button type="submit" class="button button--primary" disabled={props.busy} data-testid="wizard-admin-submit">
        {t("wizard.admin.submit")}
      </button>
    </Form>
  );
}

function RecoveryStep(props: { recovery: RecoveryKeyDto; busy: boolean; alert: preact.JSX.Element | false; onSubmit: (typed: string[]) => void }) {
  const { t, lang } = useT();
  /// What became of "Print": the dialog opened, or why not.
  const [print, setPrint] = useState<string | null>(null);
  const [typed, setTyped] = useState<string[]>(props.recovery.confirm.map(() => ""));
  return (
    <Form
      class="card form"
      data-testid="wizard-recovery"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(typed);
      }}
    >
      <p>{t("wizard.recovery.lead")}</p>
      <p class="recovery-key" data-testid="wizard-recovery-key" aria-label={t("wizard.recovery.keyLabel")}>
        {props.recovery.groups.map((g, i) => (
          <span key={i} class="recovery-key__group">
            <small>{i + 1}</small>
            {g}
          </span>
        ))}
      </p>
      <button
        type="button"
        class="button button--quiet no-print"
        onClick={async () => {
          const r = await runCommand(() => commands.printPage(), lang);
          setPrint(r.ok ? t("wizard.recovery.printing") : r.error);
        }}
        data-testid="wizard-print"
      >
        {t("wizard.recovery.print")}
      </button>
      {print !== null && (
        <p class="hint no-print" role="status" data-testid="wizard-print-status">
          {print}
        </p>
      )}
      <p class="no-print">{t("wizard.recovery.confirm")}</p>
      {props.recovery.confirm.map((position, i) => (
        <label key={position} class="no-print">
          {formatText(t("wizard.recovery.group"), { n: String(position) })}
          <input
            value={typed[i]}
            onInput={(e) => {
              const next = [...typed];
              next[i] = e.currentTarget.value;
              setTyped(next);
            }}
            required
            maxLength={4}
            autocomplete="off"
            data-testid={`wizard-recovery-${i}`}
            data-group={position}
          />
        </label>
      ))}
      {props.alert}
      <button type="submit" class="button button--primary no-print" disabled={props.busy} data-testid="wizard-recovery-submit">
        {t("wizard.recovery.submit")}
      </button>
    </Form>
  );
}

function OrganisationForm(props: {
  busy: boolean;
  alert: preact.JSX.Element | false;
  /// What was saved already (when the person came back to this step).
  settings: SettingsDto | null;
  onSubmit: (name: string, logo: number[] | null, reportLang: Lang) => void;
}) {
  const { t, lang } = useT();
  const [name, setName] = useState(props.settings?.organisation ?? "");
  const [logo, setLogo] = useState<number[] | null>(null);
  const [reportLang, setReportLang] = useState<Lang>(props.settings?.reportLang ?? lang);
  return (
    <Form
      class="card form"
      data-testid="wizard-organisation"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(name, logo, reportLang);
      }}
    >
      <p>{t("wizard.organisation.lead")}</p>
      <label>
        {t("wizard.organisation.name")}
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required data-testid="wizard-org-name" />
      </label>
      <FileInput
        label={t("wizard.organisation.logo")}
        accept="image/png,.png"
        testId="wizard-org-logo"
        onChange={async (e) => {
          const file = e.currentTarget.files?.[0];
          setLogo(file ? Array.from(new Uint8Array(await file.arrayBuffer())) : null);
        }}
      />
      <label>
        {t("wizard.organisation.reportLang")}
        <select value={reportLang} onChange={(e) => setReportLang(member(LANG_OPTIONS, e.currentTarget.value))} data-testid="wizard-org-lang">
          {LANG_OPTIONS.map((l) => (
            <option key={l} value={l}>
              {LANG_NAME[l]}
            </option>
          ))}
        </select>
      </label>
      {props.alert}
      <button type="submit" class="button button--primary" disabled={props.busy} data-testid="wizard-org-submit">
        {t("wizard.save")}
      </button>
    </Form>
  );
}

export function SigningStep(props: {
  busy: boolean;
  alert: preact.JSX.Element | false;
  settings: SettingsDto | null;
  onGenerate: () => void;
  onImport: (p12: number[], password: string) => void;
  onNext?: () => void;
}) {
  const { t } = useT();
  const [p12, setP12] = useState<number[] | null>(null);
  const [password, setPassword] = useState("");
  const signing = props.settings?.signing ?? null;
  return (
    <div class="card" data-testid="wizard-signing">
      <p>{t("wizard.signing.lead")}</p>
      {signing !== null && (
        <dl class="facts" data-testid="signing-current">
          <dt>{t("wizard.signing.subject")}</dt>
          <dd title={signing.subject} data-testid="signing-subject">
            {subjectText(signing.subject)}
          </dd>
          <dt>{t("wizard.signing.fingerprint")}</dt>
          <dd>
            <code>{signing.rootFingerprint}</code>
          </dd>
          <dt>{t("wizard.signing.source")}</dt>
          <dd>{signing.imported ? t("wizard.signing.imported") : t("wizard.signing.generated")}</dd>
        </dl>
      )}
      <div class="wizard__choices">
        <button type="button" class="button button--primary" disabled={props.busy} data-testid="wizard-signing-generate" onClick={props.onGenerate}>
          {t("wizard.signing.generate")}
        </button>
        <Form
          class="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (p12 !== null) props.onImport(p12, password);
          }}
        >
          <FileInput
            label={t("wizard.signing.file")}
            accept=".p12,.pfx,application/x-pkcs12"
            onChange={async (e) => {
              const file = e.currentTarget.files?.[0];
              setP12(file ? Array.from(new Uint8Array(await file.arrayBuffer())) : null);
            }}
          />
          <label>
            {t("wizard.signing.password")}
            <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autocomplete="off" />
          </label>
          <button type="submit" class="button" disabled={props.busy || p12 === null}>
            {t("wizard.signing.import")}
          </button>
        </Form>
      </div>
      {props.alert}
      {props.onNext && (
        <button type="button" class="button button--primary" disabled={signing === null} data-testid="wizard-signing-next" onClick={props.onNext}>
          {t("wizard.next")}
        </button>
      )}
    </div>
  );
}

/// `submitLabel`: the button's words where the form is not a wizard step (Settings).
export function RetentionForm(props: { busy: boolean; alert: preact.JSX.Element | false; initial: number; onSubmit: (days: number) => void; submitLabel?: string }) {
  const { t } = useT();
  const [days, setDays] = useState(String(props.initial));
  return (
    <Form
      class="card form"
      data-testid="wizard-retention"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(Number.parseInt(days, 10));
      }}
    >
      <p>{t("wizard.retention.lead")}</p>
      <label>
        {t("wizard.retention.days")}
        <input type="number" min={30} max={3650} value={days} onInput={(e) => setDays(e.currentTarget.value)} required data-testid="wizard-retention-days" />
      </label>
      {props.alert}
      <button type="submit" class="button button--primary" disabled={props.busy} data-testid="wizard-retention-submit">
        {props.submitLabel ?? t("wizard.save")}
      </button>
    </Form>
  );
}

/// The first run's other way: this machine becomes a kiosk station of a hub, with the hub's
/// address, a name for the station and the administrator's one-time code.
function StationForm(props: { busy: boolean; alert: preact.JSX.Element | false; onSubmit: (hub: string, name: string, code: string) => void; onBack: () => void }) {
  const { t } = useT();
  const [hub, setHub] = useState("");
  const [name, setName] = useState("");
  const [code, setCode] = useState("");
  return (
    <Form
      class="form card"
      data-testid="wizard-station-form"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(hub, name, code);
      }}
    >
      <p>{t("wizard.station.lead")}</p>
      <label>
        {t("wizard.station.hub")}
        <input value={hub} onInput={(e) => setHub(e.currentTarget.value)} placeholder="192.168.10.20:8788" data-testid="wizard-station-hub" />
      </label>
      <label>
        {t("wizard.station.name")}
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="wizard-station-name" />
      </label>
      <label>
        {t("wizard.station.code")}
        <input value={code} onInput={(e) => setCode(e.currentTarget.value)} autocomplete="off" class="kiosk__code" data-testid="wizard-station-code" />
      </label>
      {props.alert}
      <button type="submit" class="button button--primary" disabled={props.busy} data-testid="wizard-station-submit">
        {props.busy ? t("wizard.station.joining") : t("wizard.station.submit")}
      </button>{" "}
      <button type="button" class="button button--quiet" onClick={props.onBack}>
        {t("kiosk.back")}
      </button>
    </Form>
  );
}

/// What the staff window of a station shows: which hub it belongs to, and how to open the kiosk.
export function StationHome(props: { station: StationSetupDto }) {
  const { t } = useT();
  return (
    <section class="card" data-testid="station-home" aria-labelledby="station-home-title">
      <h2 id="station-home-title">{t("station.home.title")}</h2>
      <p data-testid="station-home-what">{formatText(t("station.home.what"), { name: props.station.name, hub: props.station.hub, id: String(props.station.stationId) })}</p>
      <p>{t("station.home.kiosk")}</p>
    </section>
  );
}
