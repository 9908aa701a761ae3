import { textIn } from "../shared/api";
import { useT } from "../shared/i18n";
import { useStatus } from "../shared/status";

/// The bundled runtime library and models, each verified by the backend against the manifest.
export function Components() {
  const { t, lang } = useT();
  const state = useStatus();
  if (state.kind !== "ready") return null;
  const { components, componentsError } = state.status;
  return (
    <section aria-labelledby="components-title" class="card">
      <h3 id="components-title">{t("admin.components.title")}</h3>
      <p>{t("admin.components.intro")}</p>
      {componentsError !== null ? (
        <p role="alert" class="bad" data-testid="components-error">
          {textIn(componentsError, lang)}
        </p>
      ) : components.length === 0 ? (
        <p>{t("admin.components.none")}</p>
      ) : (
        <table data-testid="components">
          <thead>
            <tr>
              <th scope="col">{t("admin.components.name")}</th>
              <th scope="col">{t("admin.components.version")}</th>
              <th scope="col">{t("admin.components.kind")}</th>
              <th scope="col">{t("admin.components.licence")}</th>
              <th scope="col">{t("admin.components.state")}</th>
            </tr>
          </thead>
          <tbody>
            {components.map((c) => (
              <tr key={c.name} data-testid={`component-${c.name}`}>
                <th scope="row">{c.name}</th>
                <td>{c.version}</td>
                <td>{t(c.kind === "runtime" ? "kind.runtime" : "kind.model")}</td>
                <td>{c.licence}</td>
                <td class={c.problem === null ? "ok" : "bad"} data-testid="component-state">
                  {c.problem === null ? t("admin.components.verified") : textIn(c.problem, lang)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/// An in-page confirmation (never the browser's own dialog, whose language and title are the
/// webview's): the question, the action named on its button, and a way back.
export function ConfirmBox(props: { testId: string; question: string; yes: string; busy: boolean; onYes: () => void; onNo: () => void }) {
  const { t } = useT();
  const id = `${props.testId}-question`;
  return (
    <div class="confirm" role="alertdialog" aria-labelledby={id} data-testid={props.testId}>
      <p id={id}>{props.question}</p>
      <button type="button" class="button button--primary" disabled={props.busy} data-testid={props.testId.replace(/-confirm$/, "-yes")} onClick={props.onYes}>
        {props.yes}
      </button>{" "}
      <button type="button" class="button button--quiet" onClick={props.onNo}>
        {t("common.cancel")}
      </button>
    </div>
  );
}

/// Asks before a second signing certificate replaces the current one (the wizard and Settings).
export function ReplaceSigningConfirm(props: { busy: boolean; onYes: () => void; onNo: () => void }) {
  const { t } = useT();
  return (
    <ConfirmBox
      testId="signing-replace-confirm"
      question={t("admin.settings.replaceSigning")}
      yes={t("admin.settings.replaceSigningYes")}
      busy={props.busy}
      onYes={props.onYes}
      onNo={props.onNo}
    />
  );
}
