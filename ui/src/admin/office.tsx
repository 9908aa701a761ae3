import { useEffect, useState } from "preact/hooks";
import { commands } from "../shared/api";
import { runCommand } from "../shared/call";
import type { EnrolmentCodeDto, OfficeDto, StationDto, UserDto } from "../shared/bindings";
import { formatText, useT } from "../shared/i18n";
import { ConfirmBox } from "./components";
import { useCall } from "./use-call";
import { Form } from "../shared/form";

/// Administration → Office network: whether this vault's hub is serving, the enrolled stations
/// (rename, revoke) and one-time enrolment codes for new ones.
export function OfficeNetwork() {
  const { t, lang } = useT();
  const [office, setOffice] = useState<OfficeDto | null>(null);
  const [kiosks, setKiosks] = useState<UserDto[]>([]);
  const [account, setAccount] = useState("");
  const [code, setCode] = useState<EnrolmentCodeDto | null>(null);
  const [renaming, setRenaming] = useState<{ id: number; name: string } | null>(null);
  const [revoking, setRevoking] = useState<StationDto | null>(null);
  const { call, busy, alert } = useCall();

  useEffect(() => {
    void call(() => commands.adminOffice(), setOffice);
    void call(
      () => commands.adminUsers(),
      (users) => {
        const list = users.filter((u) => u.role === "kiosk" && !u.disabled);
        setKiosks(list);
        const first = list[0];
        if (first !== undefined) setAccount(first.username);
      },
    );
    // Stations say hello every few seconds: refresh what is shown while the page is open.
    const timer = window.setInterval(() => void runCommand(() => commands.adminOffice(), lang).then((r) => r.ok && setOffice(r.data)), 5000);
    return () => window.clearInterval(timer);
  }, []);

  const number = (n: number, digits = 0) => new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(n);
  // A tenth of a second either way reads as no offset (never "-0 s").
  const signedSeconds = (s: number) => (Math.abs(s) < 0.05 ? "0 s" : `${s > 0 ? "+" : ""}${number(s, 1)} s`);

  return (
    <section class="card" aria-labelledby="office-title" data-testid="office">
      <h3 id="office-title">{t("admin.office.title")}</h3>
      <p>{t("admin.office.intro")}</p>
      {office !== null && (
        <p data-testid="office-hub" class={office.hubRunning ? "good" : undefined}>
          {office.hubRunning ? t("admin.office.hubRunning") : t("admin.office.hubStopped")}
        </p>
      )}
      {office !== null && !office.hubRunning && (
        <pre class="command" data-testid="office-hub-command">
          interview-kiosk hub serve --listen 192.168.x.x:8788 --user {"<admin>"}
        </pre>
      )}

      <h4>{t("admin.office.stations")}</h4>
      {office !== null && office.stations.length === 0 && <p data-testid="office-none">{t("admin.office.none")}</p>}
      {office !== null && office.stations.length > 0 && (
        <table data-testid="office-stations">
          <thead>
            <tr>
              <th scope="col">{t("admin.office.name")}</th>
              <th scope="col">{t("admin.office.account")}</th>
              <th scope="col">{t("admin.office.state")}</th>
              <th scope="col">{t("admin.office.lastSeen")}</th>
              <th scope="col">{t("admin.office.backlog")}</th>
              <th scope="col">{t("admin.office.clock")}</th>
              <th scope="col">{t("admin.office.versions")}</th>
              <th scope="col">
                <span class="visually-hidden">{t("admin.accounts.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {office.stations.map((s) => (
              <tr key={s.id} data-testid={`station-${s.id}`}>
                <th scope="row" data-testid="station-name">
                  {s.name}
                </th>
                <td>{s.account ?? t("admin.office.workstation")}</td>
                <td data-testid="station-state">{s.revoked ? t("admin.office.revoked") : s.online ? t("admin.office.online") : t("admin.office.offline")}</td>
                <td>{s.lastSeenS == null ? "—" : formatText(t("admin.office.secondsAgo"), { s: number(s.lastSeenS) })}</td>
                <td>{s.backlog == null ? "—" : number(s.backlog)}</td>
                <td class={s.clockWarning ? "bad" : undefined} data-testid="station-clock">
                  {s.clockOffsetS == null ? "—" : signedSeconds(s.clockOffsetS)}
                  {s.clockWarning && ` ${t("admin.office.clockWarning")}`}
                </td>
                <td class={s.otherVersions ? "bad" : undefined}>
                  {s.versions ?? "—"}
                  {s.otherVersions && ` ${t("admin.office.otherVersions")}`}
                </td>
                <td>
                  {!s.revoked && (
                    <>
                      <button type="button" class="button button--quiet" data-testid="station-rename" onClick={() => setRenaming({ id: s.id, name: s.name })}>
                        {t("admin.office.rename")}
                      </button>{" "}
                      <button type="button" class="button button--quiet" data-testid="station-revoke" onClick={() => setRevoking(s)}>
                        {t("admin.office.revoke")}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {renaming !== null && (
        <Form
          class="form"
          data-testid="station-rename-form"
          onSubmit={(e) => {
            e.preventDefault();
            void call(() => commands.adminRenameStation(renaming.id, renaming.name), (o) => {
              setOffice(o);
              setRenaming(null);
            });
          }}
        >
          <label>
            {t("admin.office.newName")}
            <input value={renaming.name} onInput={(e) => setRenaming({ ...renaming, name: e.currentTarget.value })} data-testid="station-rename-input" />
          </label>
          <button type="submit" class="button button--primary" disabled={busy}>
            {t("admin.office.rename")}
          </button>{" "}
          <button type="button" class="button button--quiet" onClick={() => setRenaming(null)}>
            {t("kiosk.back")}
          </button>
        </Form>
      )}
      {revoking !== null && (
        <ConfirmBox
          testId="station-revoke-confirm"
          question={formatText(t("admin.office.confirmRevoke"), { name: revoking.name })}
          yes={t("admin.office.revoke")}
          busy={busy}
          onYes={() =>
            call(() => commands.adminRevokeStation(revoking.id), (o) => {
              setOffice(o);
              setRevoking(null);
            })
          }
          onNo={() => setRevoking(null)}
        />
      )}

      <h4>{t("admin.office.enrol")}</h4>
      <p>{t("admin.office.enrolIntro")}</p>
      {kiosks.length === 0 ? (
        <p data-testid="office-no-kiosk">{t("admin.office.noKiosk")}</p>
      ) : (
        <Form
          class="form"
          data-testid="office-code-form"
          onSubmit={(e) => {
            e.preventDefault();
            void call(() => commands.adminEnrolmentCode(account), setCode);
          }}
        >
          <label>
            {t("admin.office.account")}
            <select value={account} onChange={(e) => setAccount(e.currentTarget.value)} data-testid="office-code-account">
              {kiosks.map((k) => (
                <option key={k.id} value={k.username}>
                  {k.displayName ? `${k.displayName} (${k.username})` : k.username}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="button button--primary" disabled={busy} data-testid="office-code-submit">
            {t("admin.office.makeCode")}
          </button>
        </Form>
      )}
      {code !== null && (
        <div class="code-shown" aria-live="polite" data-testid="office-code">
          <p class="big-code" data-testid="office-code-value">
            {code.code}
          </p>
          <p>{formatText(t("admin.office.codeNote"), { account: code.kioskAccount, minutes: number(code.validMinutes) })}</p>
        </div>
      )}
      {alert("office-error")}
    </section>
  );
}
