// The staff window's shell: header, role navigation, language switch, the routed area, status.
import { useEffect, useState } from "preact/hooks";
import { AdminArea } from "./admin";
import { FirstRunWizard, StationHome } from "./admin/wizard";
import { AuditorArea } from "./auditor";
import { ClerkArea } from "./clerk";
import { commands } from "./shared/api";
import type { StaffDto, StationSetupDto } from "./shared/bindings";
import { HubLinkBanner } from "./shared/hub-link";
import { IdleLock } from "./shared/reauth";
import { StaffContext } from "./shared/staff";
import { type Key, type Lang, LangContext, parseLang, translate } from "./shared/i18n";
import { AREAS, type Area, hrefOf, useArea } from "./shared/router";
import { StatusBar, StatusContext, markInteractive, useStatusLoader } from "./shared/status";
import { AREA_ROLES } from "./shared/signin";

const LANG_KEY = "interview-kiosk.lang";

const AREA_VIEWS: Record<Area, () => preact.JSX.Element> = {
  admin: AdminArea,
  clerk: ClerkArea,
  auditor: AuditorArea,
};

export function App() {
  const [lang, setLangState] = useState<Lang>(() => parseLang(localStorage.getItem(LANG_KEY)));
  const setLang = (next: Lang) => {
    localStorage.setItem(LANG_KEY, next);
    setLangState(next);
  };
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${translate(lang, "app.name")} · ${translate(lang === "en" ? "zh-CN" : "en", "app.name")}`;
  }, [lang]);
  const status = useStatusLoader();
  const area = useArea();
  const [staff, setStaff] = useState<StaffDto | null>(null);
  const [wizardDone, setWizardDone] = useState(false);
  useEffect(() => {
    commands
      .staffWhoami()
      .then((r) => r.status === "ok" && setStaff(r.data))
      .catch(() => undefined);
  }, []);
  const [enrolled, setEnrolled] = useState<StationSetupDto | null>(null);
  const station = enrolled ?? (status.kind === "ready" ? (status.status.station ?? null) : null);
  // A staff workstation holds no vault: the hub's is used, so there is no first run here.
  const workstation = status.kind === "ready" ? (status.status.workstation ?? null) : null;
  const firstRun =
    status.kind === "ready" && !status.status.vaultExists && station === null && workstation === null && !wizardDone;
  useEffect(() => {
    if (status.kind !== "loading") markInteractive();
  }, [status.kind]);
  const t = (key: Key) => translate(lang, key);
  const View = AREA_VIEWS[area];

  return (
    <LangContext.Provider value={{ lang, setLang }}>
      <StaffContext.Provider value={{ staff, setStaff }}>
      <StatusContext.Provider value={status}>
        <div class="shell">
          <header class="shell__header">
            <div>
              <h1 class="shell__title">{t("app.name")}</h1>
              <p class="shell__tagline">{t("app.tagline")}</p>
            </div>
            <button
              type="button"
              class="button"
              data-testid="lang-switch"
              aria-label={t("lang.switch.label")}
              onClick={() => setLang(lang === "en" ? "zh-CN" : "en")}
            >
              {t("lang.switch")}
            </button>
          </header>
          {workstation !== null && <HubLinkBanner hub={workstation.hub} />}
          {station !== null ? (
            <main class="shell__main" id="main" data-area="station">
              <StationHome station={station} />
            </main>
          ) : firstRun ? (
            <main class="shell__main" id="main" data-area="setup">
              <FirstRunWizard
                onFinished={(admin) => {
                  setStaff(admin);
                  setWizardDone(true);
                  window.location.hash = hrefOf("admin");
                }}
                onStation={setEnrolled}
              />
            </main>
          ) : (
          <>
          <nav class="shell__nav" aria-label={t("nav.label")}>
            {AREAS.map((name) => (
              <a
                key={name}
                href={hrefOf(name)}
                data-testid={`nav-${name}`}
                aria-current={name === area ? "page" : undefined}
                // Signed in, the areas of other roles are marked (and say so on arrival).
                class={staff !== null && !AREA_ROLES[name].includes(staff.role) ? "nav--other" : undefined}
              >
                {t(`nav.${name}`)}
              </a>
            ))}
          </nav>
          <main class="shell__main" id="main" data-area={area}>
            <IdleLock seconds={status.kind === "ready" ? status.status.staffIdleSeconds : 600}>
              <View />
            </IdleLock>
          </main>
          </>
          )}
          <StatusBar />
        </div>
      </StatusContext.Provider>
      </StaffContext.Provider>
    </LangContext.Provider>
  );
}
