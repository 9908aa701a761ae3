import { useEffect, useState } from "preact/hooks";
import { commands } from "../shared/api";
import { AreaFrame } from "../shared/area";
import type { DeviceTestDto, DevicesDto, Lang, Role, SettingsDto, StaffDto, UserDto } from "../shared/bindings";
import { formatText, useT } from "../shared/i18n";
import { Done } from "../shared/notice";
import { SignIn } from "../shared/signin";
import { useStaff } from "../shared/staff";
import { LANG_NAME, LANG_OPTIONS, ROLES, ROLE_LABEL, member } from "../shared/vocabulary";
import { Components, ConfirmBox, ReplaceSigningConfirm } from "./components";
import { OfficeNetwork } from "./office";
import { useCall } from "./use-call";
import { RetentionForm, SigningStep } from "./wizard";

export function AdminArea() {
  const { t } = useT();
  const { staff, setStaff } = useStaff();
  return (
    <AreaFrame testId="area-admin" title={t("admin.title")} intro={t("admin.intro")}>
      {staff === null ? (
        <SignIn onSignedIn={setStaff} />
      ) : staff.role !== "admin" ? (
        <p class="card" role="alert">
          {t("admin.notAdmin")}
        </p>
      ) : (
        <>
          <SignedIn staff={staff} onSignedOut={() => setStaff(null)} />
          <Accounts />
          <Devices />
          <OfficeNetwork />
          <Settings />
        </>
      )}
      <Components />
    </AreaFrame>
  );
}

function SignedIn(props: { staff: StaffDto; onSignedOut: () => void }) {
  const { t } = useT();
  return (
    <p class="signed-in">
      <span data-testid="signed-in-as">{`${t("signin.as")} ${props.staff.username}`}</span>{" "}
      <button
        type="button"
        class="button button--quiet"
        data-testid="sign-out"
        onClick={async () => {
          await commands.staffSignOut().catch(() => undefined);
          props.onSignedOut();
        }}
      >
        {t("signin.out")}
      </button>
    </p>
  );
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
        <form
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
        </form>
      )}
      <form
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
      </form>
    </section>
  );
}

function Devices() {
  const { t, lang } = useT();
  const { call, busy, alert } = useCall();
  const [devices, setDevices] = useState<DevicesDto | null>(null);
  const [test, setTest] = useState<DeviceTestDto | null>(null);
  useEffect(() => void call(() => commands.adminDevices(), setDevices), []);
  if (devices === null) return alert("devices-error") || null;
  const choose = (kind: "camera" | "microphone", id: string) => {
    const camera = kind === "camera" ? id || null : (devices.camera ?? null);
    const microphone = kind === "microphone" ? id || null : (devices.microphone ?? null);
    setTest(null);
    void call(() => commands.adminChooseDevices(camera, microphone), setDevices);
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
      <button type="button" class="button button--primary" disabled={busy} data-testid="devices-test" onClick={() => call(() => commands.adminTestDevices(), setTest)}>
        {busy ? t("admin.devices.testing") : t("admin.devices.test")}
      </button>
      {alert("devices-error")}
      {test !== null && (
        <div class="device-test" data-testid="devices-result" aria-live="polite">
          {test.preview !== null && <img src={test.preview} alt={t("kiosk.devices.previewAlt")} />}
          <p>
            {formatText(t("admin.devices.result"), {
              frames: new Intl.NumberFormat(lang).format(test.frames),
              level: new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(test.loudestDbfs ?? -120),
            })}
          </p>
        </div>
      )}
      <p class="intro">{t("admin.devices.kiosk")}</p>
    </section>
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
        },
      ),
    [],
  );
  if (settings === null) return alert("settings-error") || null;
  return (
    <section class="card" aria-labelledby="settings-title" data-testid="settings">
      <h3 id="settings-title">{t("admin.settings.title")}</h3>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void call(() => commands.settingsOrganisation(name, null, reportLang), setSettings);
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
        <button type="submit" class="button button--primary" disabled={busy}>
          {t("wizard.save")}
        </button>
      </form>
      <RetentionForm busy={busy} alert={false} initial={settings.retentionDays} onSubmit={(days) => call(() => commands.settingsRetention(days), setSettings)} />
      <SigningStep
        busy={busy}
        alert={false}
        settings={settings}
        onGenerate={() => {
          if (settings.signing === null) void call(() => commands.settingsSigningGenerate(), setSettings);
          else setReplacing(true);
        }}
        onImport={(p12, password) => call(() => commands.settingsSigningImport(p12, password), setSettings)}
      />
      {replacing && (
        <ReplaceSigningConfirm
          busy={busy}
          onYes={() =>
            call(() => commands.settingsSigningGenerate(), (next) => {
              setSettings(next);
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
