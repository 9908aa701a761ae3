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
