import { useEffect, useState } from "preact/hooks";
import { commands } from "../shared/api";
import { runCommand } from "../shared/call";
import { AreaFrame } from "../shared/area";
import type { DeviceTestDto, DevicesDto, JobDto, Lang, RecognitionModels, Role, SettingsDto, UserDto } from "../shared/bindings";
import { formatText, useT } from "../shared/i18n";
import { Done } from "../shared/notice";
import { AREA_ROLES, OtherRole, SignIn, SignedIn } from "../shared/signin";
import { useStaff } from "../shared/staff";
import { LANG_NAME, LANG_OPTIONS, MODELS_LABEL, MODELS_OPTIONS, ROLES, ROLE_LABEL, member } from "../shared/vocabulary";
import { Components, ConfirmBox, ReplaceSigningConfirm } from "./components";
import { OfficeNetwork } from "./office";
import { useCall } from "./use-call";
import { RetentionForm, SigningStep } from "./wizard";
import { Form } from "../shared/form";
import { useRest } from "../shared/router";
import { ValidityScreen } from "../shared/validity";

/// The administrator's two sections: the installation (#/admin) and validity and weights
/// (#/admin/validity), where an administrator may apply a suggestion over a failed fairness check.
const TABS = ["manage", "validity"] as const;

export function AdminArea() {
  const { t } = useT();
  const { staff, setStaff } = useStaff();
  const rest = useRest();
  const validity = staff !== null && AREA_ROLES.admin.includes(staff.role) && rest[0] === "validity";
  return (
    <AreaFrame testId="area-admin" title={t("admin.title")} intro={t("admin.intro")}>
      {staff === null ? (
        <SignIn onSignedIn={setStaff} />
      ) : !AREA_ROLES.admin.includes(staff.role) ? (
        <OtherRole area="admin" />
      ) : (
        <>
          <SignedIn />
          <nav class="tabs" aria-label={t("admin.tabs")}>
            {TABS.map((name) => (
              <a
                key={name}
                href={name === "manage" ? "#/admin" : `#/admin/${name}`}
                aria-current={(name === "validity") === validity ? "page" : undefined}
                data-testid={`tab-${name}`}
              >
                {t(name === "manage" ? "admin.tab.manage" : "admin.tab.validity")}
              </a>
            ))}
          </nav>
          {validity ? (
            <AdminValidity />
          ) : (
            <>
              <Accounts />
              <Devices />
              <OfficeNetwork />
              <Settings />
            </>
          )}
        </>
      )}
      {!validity && <Components />}
    </AreaFrame>
  );
}

/// The validity screen over every job (administrators see the list of jobs, not their candidates).
function AdminValidity() {
  const { lang } = useT();
  const [jobs, setJobs] = useState<JobDto[] | null>(null);
  useEffect(() => {
    void runCommand(() => commands.clerkJobs(), lang).then((r) => setJobs(r.ok ? r.data : []));
  }, []);
  return jobs === null ? null : <ValidityScreen jobs={jobs} />;
}

function Accounts() {
  const { t } = useT();
  const { staff } = useStaff();
  const { call, busy, alert } = useCall();
  const [users, setUsers] = useState<UserDto[]>([]);
  const [form, setForm] = useState<{ username: string; displayName: string; role: Role; password: string }>({ username: "", displayName: "", role: "clerk", password: "" });
  const [resetting, setResetting] = useState<UserDto | null>(null);
  /// The account whose disabling waits for the administrator's in-page confirmation.
  const [disabling, setDisabling] = useState<UserDto | null>(null);
  /// What the last creation did, said where the administrator is looking.
  const [created, setCreated] = useState<string | null>(null);
  const [newPassword, setNewPassword] = useState("");
  useEffect(() => void call(() => commands.adminUsers(), setUsers), []);
  return (
    <section class="card" aria-labelledby="accounts-title" data-testid="accounts">
      <h3 id="accounts-title">{t("admin.accounts.title")}</h3>
      <p>{t("admin.accounts.intro")}</p>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("signin.username")}</th>
            <th scope="col">{t("admin.accounts.name")}</th>
            <th scope="col">{t("admin.accounts.role")}</th>
            <th scope="col">{t("admin.accounts.state")}</th>
            <th scope="col">
              <span class="visually-hidden">{t("admin.accounts.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} data-testid={`user-${u.username}`}>
              <th scope="row">{u.username}</th>
              <td>{u.displayName}</td>
              <td>{t(ROLE_LABEL[u.role])}</td>
              <td data-testid="user-state">{u.disabled ? t("admin.accounts.disabled") : u.locked ? t("admin.accounts.locked") : t("admin.accounts.active")}</td>
              <td>
                {!u.disabled && (
                  <>
                    <button type="button" class="button button--quiet" onClick={() => setResetting(u)} data-testid="user-reset">
                      {t("admin.accounts.reset")}
                    </button>{" "}
                    {/* One's own account is disabled by another administrator (the vault refuses it). */}
                    {u.username !== staff?.username && (
                      <button type="button" class="button button--quiet" data-testid="user-disable" onClick={() => setDisabling(u)}>
                        {t("admin.accounts.disable")}
                      </button>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {disabling !== null && (
        <ConfirmBox
          testId="user-disable-confirm"
          question={formatText(t("admin.accounts.confirmDisable"), { user: disabling.username })}
          yes={t("admin.accounts.disable")}
          busy={busy}
          onYes={() =>
            call(() => commands.adminDisableUser(disabling.id), (list) => {
              setUsers(list);
              setDisabling(null);
            })
          }
          onNo={() => setDisabling(null)}
        />
      )}
      {resetting !== null && (
        <Form
          class="form"
          data-testid="reset-form"
          onSubmit={(e) => {
            e.preventDefault();
            void call(() => commands.adminResetPassword(resetting.id, newPassword), (list) => {
              setUsers(list);
              setResetting(null);
              setNewPassword("");
            });
          }}
        >
          <label>
            {formatText(t("admin.accounts.newPasswordFor"), { user: resetting.username })}
            <input type="password" value={newPassword} onInput={(e) => setNewPassword(e.currentTarget.value)} required minLength={12} autocomplete="new-password" />
          </label>
          <button type="submit" class="button button--primary" disabled={busy}>
            {t("admin.accounts.reset")}
          </button>{" "}
          <button type="button" class="button button--quiet" onClick={() => setResetting(null)}>
            {t("kiosk.back")}
          </button>
        </Form>
      )}
      <Form
        class="form"
        data-testid="create-user"
        onSubmit={(e) => {
          e.preventDefault();
          setCreated(null);
          void call(() => commands.adminCreateUser(form.username, form.displayName, form.role, form.password), (list) => {
            setUsers(list);
            setCreated(formatText(t("admin.accounts.created"), { user: form.username, role: t(ROLE_LABEL[form.role]) }));
            // The next account starts from the common case, not from the last choice.
            setForm({ username: "", displayName: "", role: "clerk", password: "" });
          });
        }}
      >
        <h4>{t("admin.accounts.create")}</h4>
        <label>
          {t("signin.username")}
          <input value={form.username} onInput={(e) => setForm({ ...form, username: e.currentTarget.value })} required data-testid="create-user-username" />
        </label>
        <label>
          {t("admin.accounts.name")}
          <input value={form.displayName} onInput={(e) => setForm({ ...form, displayName: e.currentTarget.value })} required data-testid="create-user-name" />
        </label>
        <label>
          {t("admin.accounts.role")}
          <select value={form.role} onChange={(e) => setForm({ ...form, role: member(ROLES, e.currentTarget.value) })} data-testid="create-user-role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(ROLE_LABEL[r])}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("signin.password")}
          <input type="password" value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} required minLength={12} autocomplete="new-password" data-testid="create-user-password" />
        </label>
        {alert("accounts-error")}
        <Done text={created} testId="accounts-done" />
        <button type="submit" class="button button--primary" disabled={busy} data-testid="create-user-submit">
          {t("admin.accounts.createSubmit")}
        </button>
      </Form>
    </section>
  );
}

function Devices() {
  const { t } = useT();
  const { call, busy, alert } = useCall();
  const [devices, setDevices] = useState<DevicesDto | null>(null);
  const [test, setTest] = useState<DeviceTestDto | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => void call(() => commands.adminDevices(), setDevices), []);
  if (devices === null) return alert("devices-error") || null;
  const choose = (kind: "camera" | "microphone", id: string) => {
    const camera = kind === "camera" ? id || null : (devices.camera ?? null);
    const microphone = kind === "microphone" ? id || null : (devices.microphone ?? null);
    setTest(null);
    setSaved(false);
    void call(() => commands.adminChooseDevices(camera, microphone), (next) => {
      setDevices(next);
      setSaved(true);
    });
  };
  const options = (kind: string) =>
    devices.devices
      .filter((d) => d.kind === kind)
      .map((d) => (
        <option key={d.id} value={d.id}>
          {d.synthetic ? `${d.name} (${t("admin.devices.synthetic")})` : d.name}
        </option>
      ));
  return (
    <section class="card" aria-labelledby="devices-title" data-testid="devices">
      <h3 id="devices-title">{t("admin.devices.title")}</h3>
      <p>{t("admin.devices.intro")}</p>
      <div class="form">
        <label>
          {t("admin.devices.camera")}
          <select value={devices.camera ?? ""} onChange={(e) => choose("camera", e.currentTarget.value)} data-testid="devices-camera">
            <option value="">{t("admin.devices.default")}</option>
            {options("camera")}
          </select>
        </label>
        <label>
          {t("admin.devices.microphone")}
          <select value={devices.microphone ?? ""} onChange={(e) => choose("microphone", e.currentTarget.value)} data-testid="devices-microphone">
            <option value="">{t("admin.devices.default")}</option>
            {options("microphone")}
          </select>
        </label>
      </div>
      <Done text={saved ? t("admin.devices.saved") : null} testId="devices-saved" />
      <button
        type="button"
        class="button button--primary"
        disabled={busy}
        data-testid="devices-test"
        onClick={() => {
          setSaved(false);
          setTest(null);
          void call(() => commands.adminTestDevices(), setTest);
        }}
      >
        {t("admin.devices.test")}
      </button>
      {busy && <p aria-live="polite">{t("admin.devices.testing")}</p>}
      {alert("devices-error")}
      {test !== null && <DeviceVerdict test={test} />}
      <p class="intro">{t("admin.devices.kiosk")}</p>
    </section>
  );
}

/// Below this loudest level (dBFS) over the test, a microphone counts as silent; below the
/// second, as too quiet for speech to be transcribed well.
const SILENT_DBFS = -90;
const QUIET_DBFS = -50;

/// What the device test found, as a verdict per device.
function DeviceVerdict(props: { test: DeviceTestDto }) {
  const { t, lang } = useT();
  const frames = props.test.frames;
  const level = props.test.loudestDbfs ?? -120;
  const dbfs = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(level);
  const camera = frames > 0 ? formatText(t("admin.devices.cameraOk"), { frames: new Intl.NumberFormat(lang).format(frames) }) : t("admin.devices.cameraNone");
  const mic = level < SILENT_DBFS ? t("admin.devices.micNone") : level < QUIET_DBFS ? formatText(t("admin.devices.micQuiet"), { level: dbfs }) : formatText(t("admin.devices.micOk"), { level: dbfs });
  return (
    <div class="device-test" data-testid="devices-result" aria-live="polite">
      {props.test.preview !== null && <img src={props.test.preview} alt={t("kiosk.devices.previewAlt")} />}
      <p class={frames > 0 ? "ok" : "bad"} data-testid="devices-camera-verdict">
        {camera}
      </p>
      <p class={level >= QUIET_DBFS ? "ok" : "bad"} data-testid="devices-microphone-verdict">
        {mic}
      </p>
    </div>
  );
}

function Settings() {
  const { t, lang } = useT();
  const { call, busy, alert } = useCall();
  const [settings, setSettings] = useState<SettingsDto | null>(null);
  /// Replacing the signing certificate waits for an in-page confirmation.
  const [replacing, setReplacing] = useState(false);
  const [name, setName] = useState("");
  const [reportLang, setReportLang] = useState<Lang>("zh-CN");
  useEffect(
    () =>
      void call(
        () => commands.settingsGet(),
        (s) => {
          setSettings(s);
          setName(s.organisation);
          setReportLang(s.reportLang);
          setModels(s.recognitionModels);
        },
      ),
    [],
  );
  /// "Saved", said under the part just saved.
  const [saved, setSaved] = useState<"organisation" | "retention" | "models" | "signing" | null>(null);
  const [models, setModels] = useState<RecognitionModels>("int8");
  const save = (part: "organisation" | "retention" | "models" | "signing") => (next: SettingsDto) => {
    setSettings(next);
    setSaved(part);
  };
  if (settings === null) return alert("settings-error") || null;
  const done = (part: typeof saved) => <Done text={saved === part ? t("admin.settings.saved") : null} testId={`settings-saved-${part}`} />;
  return (
    <section class="card" aria-labelledby="settings-title" data-testid="settings">
      <h3 id="settings-title">{t("admin.settings.title")}</h3>
      <h4>{t("admin.settings.organisation")}</h4>
      <Form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(null);
          void call(() => commands.settingsOrganisation(name, null, reportLang), save("organisation"));
        }}
      >
        <label>
          {t("wizard.organisation.name")}
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required data-testid="settings-org-name" />
        </label>
        <label>
          {t("wizard.organisation.reportLang")}
          <select value={reportLang} onChange={(e) => setReportLang(member(LANG_OPTIONS, e.currentTarget.value))}>
            {LANG_OPTIONS.map((l) => (
              <option key={l} value={l}>
                {LANG_NAME[l]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="button button--primary" disabled={busy} data-testid="settings-org-save">
          {t("admin.settings.saveOrganisation")}
        </button>
        {done("organisation")}
      </Form>
      <h4>{t("admin.settings.retention")}</h4>
      <RetentionForm
        busy={busy}
        alert={false}
        initial={settings.retentionDays}
        submitLabel={t("admin.settings.saveRetention")}
        onSubmit={(days) => {
          setSaved(null);
          void call(() => commands.settingsRetention(days), save("retention"));
        }}
      />
      {done("retention")}
      <h4>{t("admin.settings.models")}</h4>
      <Form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(null);
          void call(() => commands.settingsRecognitionModels(models), save("models"));
        }}
      >
        <fieldset class="wizard__langs">
          <legend>{t("admin.settings.modelsLead")}</legend>
          {MODELS_OPTIONS.map((m) => (
            <label key={m}>
              <input type="radio" name="recognition-models" checked={models === m} onChange={() => setModels(m)} data-testid={`settings-models-${m}`} />
              {t(MODELS_LABEL[m])}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="button button--primary" disabled={busy} data-testid="settings-models-save">
          {t("admin.settings.saveModels")}
        </button>
        {done("models")}
      </Form>
      <h4>{t("admin.settings.signing")}</h4>
      <SigningStep
        busy={busy}
        alert={false}
        settings={settings}
        onGenerate={() => {
          setSaved(null);
          if (settings.signing === null) void call(() => commands.settingsSigningGenerate(), save("signing"));
          else setReplacing(true);
        }}
        onImport={(p12, password) => {
          setSaved(null);
          void call(() => commands.settingsSigningImport(p12, password), save("signing"));
        }}
      />
      {done("signing")}
      {replacing && (
        <ReplaceSigningConfirm
          busy={busy}
          onYes={() =>
            call(() => commands.settingsSigningGenerate(), (next) => {
              save("signing")(next);
              setReplacing(false);
            })
          }
          onNo={() => setReplacing(false)}
        />
      )}
      {alert("settings-error")}
      <p class="intro">{formatText(t("admin.settings.lang"), { lang: lang === "en" ? "English" : "简体中文" })}</p>
    </section>
  );
}
