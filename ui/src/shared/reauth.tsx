// Sensitive actions and idle screens: the password is asked for again. The backend decides
// when (an export without a recent re-authentication is refused with `auth.reauth_required`);
// the page only asks and retries.
import { useEffect, useRef, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { commands } from "./api";
import { runCommand } from "./call";
import { useT } from "./i18n";
import { useStaff } from "./staff";
import { Form } from "./form";

type Result<T> = { ok: true; data: T } | { ok: false; error: string; code?: string };

/// Runs a sensitive command; when the backend asks for the password, shows the dialog, and
/// retries once it has been accepted.
export function useSensitive(): {
  run: <T>(call: () => Promise<{ status: "ok"; data: T } | { status: "error"; error: unknown }>) => Promise<Result<T>>;
  dialog: preact.JSX.Element | null;
} {
  const { lang } = useT();
  const [pending, setPending] = useState<((ok: boolean) => void) | null>(null);
  const run = async <T,>(call: () => Promise<{ status: "ok"; data: T } | { status: "error"; error: unknown }>): Promise<Result<T>> => {
    const first = await call().catch((error: unknown) => ({ status: "error" as const, error }));
    if (first.status === "ok") return { ok: true, data: first.data };
    const code = (first.error as { code?: string } | null)?.code;
    if (code !== "auth.reauth_required") return runCommand(() => Promise.resolve(first), lang);
    const accepted = await new Promise<boolean>((resolve) => setPending(() => resolve));
    setPending(null);
    if (!accepted) return { ok: false, error: "", code: "cancelled" };
    return runCommand(call, lang);
  };
  const dialog = pending === null ? null : <PasswordDialog purpose="reauth" onDone={(ok) => pending(ok)} />;
  return { run, dialog };
}

/// Asks for the signed-in person's password (re-authentication, or unlocking an idle screen).
function PasswordDialog(props: { purpose: "reauth" | "unlock"; onDone: (ok: boolean) => void; onSignOut?: () => void }) {
  const { t, lang } = useT();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const result = await runCommand(() => commands.staffReauth(password), lang);
    setBusy(false);
    setPassword("");
    if (result.ok) props.onDone(true);
    else setError(result.error);
  };
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="password-dialog-title" data-testid={`${props.purpose}-dialog`}>
      <Form class="card dialog form" onSubmit={submit}>
        <h3 id="password-dialog-title">{t(props.purpose === "unlock" ? "lock.title" : "reauth.title")}</h3>
        <p>{t(props.purpose === "unlock" ? "lock.lead" : "reauth.lead")}</p>
        <label>
          {t("signin.password")}
          <input ref={input} type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid={`${props.purpose}-password`} required />
        </label>
        {error !== null && (
          <p role="alert" class="bad" data-testid={`${props.purpose}-error`}>
            {error}
          </p>
        )}
        <p class="actions">
          <button type="submit" class="button button--primary" disabled={busy || password.length === 0} data-testid={`${props.purpose}-submit`}>
            {t(props.purpose === "unlock" ? "lock.unlock" : "reauth.confirm")}
          </button>{" "}
          {props.purpose === "reauth" ? (
            <button type="button" class="button button--quiet" onClick={() => props.onDone(false)}>
              {t("common.cancel")}
            </button>
          ) : (
            <button type="button" class="button button--quiet" onClick={props.onSignOut} data-testid="lock-sign-out">
              {t("signin.out")}
            </button>
          )}
        </p>
      </Form>
    </div>
  );
}

/// Locks the staff window after `seconds` without keyboard, mouse or touch input: the content
/// is not rendered until the password is typed again (or the person signs out).
export function IdleLock(props: { seconds: number; children: ComponentChildren }) {
  const { staff, setStaff } = useStaff();
  const [locked, setLocked] = useState(false);
  useEffect(() => {
    if (staff === null) return;
    let timer = window.setTimeout(() => setLocked(true), props.seconds * 1000);
    const reset = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => setLocked(true), props.seconds * 1000);
    };
    const events = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"] as const;
    events.forEach((e) => window.addEventListener(e, reset, { passive: true }));
    return () => {
      window.clearTimeout(timer);
      events.forEach((e) => window.removeEventListener(e, reset));
    };
  }, [staff, props.seconds, locked]);
  if (staff === null || !locked) return <>{props.children}</>;
  return (
    <PasswordDialog
      purpose="unlock"
      onDone={() => setLocked(false)}
      onSignOut={() => {
        void commands.staffSignOut().catch(() => undefined);
        setStaff(null);
        setLocked(false);
      }}
    />
  );
}
