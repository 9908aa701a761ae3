// Staff sign-in, shared by the staff areas.
import { useState } from "preact/hooks";
import { commands, errorText } from "./api";
import type { Role, StaffDto } from "./bindings";
import { formatText, useT } from "./i18n";
import { type Area, hrefOf, parseArea } from "./router";
import { ROLE_LABEL } from "./vocabulary";
import { useStaff } from "./staff";
import { Form } from "./form";

/// Staff sign-in: the vault checks the password, counts failures and audits every attempt.
export function SignIn(props: { onSignedIn: (staff: StaffDto) => void }) {
  const { t, lang } = useT();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await commands.staffSignIn(username, password);
      if (result.status === "ok") props.onSignedIn(result.data);
      else setError(errorText(result.error, lang));
    } catch (e) {
      setError(errorText(e, lang));
    } finally {
      setPassword("");
      setBusy(false);
    }
  };
  return (
    <Form class="card form" onSubmit={submit} aria-labelledby="sign-in-title" data-testid="sign-in">
      <h3 id="sign-in-title">{t("signin.title")}</h3>
      <label>
        {t("signin.username")}
        <input autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required data-testid="sign-in-username" />
      </label>
      <label>
        {t("signin.password")}
        <input type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required data-testid="sign-in-password" />
      </label>
      {error !== null && (
        <p role="alert" class="bad" data-testid="sign-in-error">
          {error}
        </p>
      )}
      <button type="submit" class="button button--primary" disabled={busy} data-testid="sign-in-submit">
        {t("signin.submit")}
      </button>
    </Form>
  );
}


/// Who is signed in, and signing out (the backend ends the session).
export function SignedIn() {
  const { t } = useT();
  const { staff, setStaff } = useStaff();
  if (staff === null) return null;
  const signOut = async () => {
    await commands.staffSignOut().catch(() => undefined);
    // The next person starts at the area's first screen, not on what was open.
    window.location.hash = hrefOf(parseArea(window.location.hash));
    setStaff(null);
  };
  return (
    <p class="signed-in">
      <span data-testid="signed-in-as">{`${t("signin.as")} ${staff.username}`}</span>{" "}
      <button type="button" class="button button--quiet" onClick={() => void signOut()} data-testid="sign-out">
        {t("signin.out")}
      </button>
    </p>
  );
}

/// The roles each staff area is for. The backend decides what each role may do; this spares a
/// person signed in with another role a screen of refusals, and says what to do instead.
export const AREA_ROLES: Record<Area, readonly Role[]> = { admin: ["admin"], clerk: ["clerk"], auditor: ["auditor", "admin"] };

/// Shown in an area that is not for the signed-in person's role: whose area it is, who is
/// signed in, and the way out (signing out, then in with the right account).
export function OtherRole(props: { area: Area }) {
  const { t } = useT();
  const { staff } = useStaff();
  if (staff === null) return null;
  return (
    <div class="card" role="status" data-testid="area-other-role">
      <p>
        {formatText(t("area.otherRole"), {
          needed: AREA_ROLES[props.area].map((r) => t(ROLE_LABEL[r])).join(t("area.or")),
          who: staff.username,
          role: t(ROLE_LABEL[staff.role]),
        })}
      </p>
      <SignedIn />
    </div>
  );
}
