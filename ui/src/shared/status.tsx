// The system status every area shows: version, data directory, bundled components. All of it
// comes from the backend (`app_status`).
import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import { type AppStatus, commands, errorText } from "./api";
import { useT } from "./i18n";

export type StatusState =
  | { kind: "loading" }
  | { kind: "ready"; status: AppStatus }
  | { kind: "failed"; error: unknown };

export const StatusContext = createContext<StatusState>({ kind: "loading" });

export function useStatusLoader(): StatusState {
  const [state, setState] = useState<StatusState>({ kind: "loading" });
  useEffect(() => {
    let live = true;
    commands
      .appStatus()
      .then((result) => {
        if (!live) return;
        setState(result.status === "ok" ? { kind: "ready", status: result.data } : { kind: "failed", error: result.error });
      })
      .catch((error: unknown) => live && setState({ kind: "failed", error }));
    return () => {
      live = false;
    };
  }, []);
  return state;
}

export function useStatus(): StatusState {
  return useContext(StatusContext);
}

export function StatusBar() {
  const { t, lang } = useT();
  const state = useStatus();
  if (state.kind === "loading") {
    return (
      <footer class="status" aria-label={t("status.label")} aria-busy="true">
        {t("status.loading")}
      </footer>
    );
  }
  if (state.kind === "failed") {
    return (
      <footer class="status status--bad" aria-label={t("status.label")}>
        <span role="alert">{errorText(state.error, lang)}</span>
      </footer>
    );
  }
  const { status } = state;
  const allOk = status.componentsError === null && status.components.every((c) => c.problem === null);
  return (
    <footer class="status" aria-label={t("status.label")}>
      <span>
        {t("status.version")} <strong data-testid="app-version">{status.version}</strong>
      </span>
      <span>
        {t("status.dataDir")} <code data-testid="data-dir">{status.dataDir}</code>
      </span>
      {status.workstation !== null && (
        <span data-testid="workstation-of">
          {t("status.workstation")} <code>{status.workstation.hub}</code> · {status.workstation.name}
        </span>
      )}
      <span class={allOk ? "ok" : "bad"} data-testid="components-summary">
        {t("status.components")}: {allOk ? t("status.components.ok") : t("status.components.bad")}
      </span>
    </footer>
  );
}

/// Records (once) the moment the first usable screen was rendered, as milliseconds since the
/// epoch, for `cargo bench -p e2e --bench startup` (cold start to interactive).
export function markInteractive() {
  const w = window as unknown as { __interviewKioskInteractive?: number };
  if (w.__interviewKioskInteractive === undefined) w.__interviewKioskInteractive = performance.timeOrigin + performance.now();
}
