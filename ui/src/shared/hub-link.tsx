// At a staff workstation: a banner at the top of the window while the hub does not answer
// (every record is there), shown as soon as the backend notices — never a frozen page.
import { Channel } from "@tauri-apps/api/core";
import { useEffect, useState } from "preact/hooks";
import { commands } from "./api";
import type { WorkstationLinkDto } from "./bindings";
import { formatText, useT } from "./i18n";

export function HubLinkBanner(props: { hub: string }) {
  const { t } = useT();
  const [link, setLink] = useState<WorkstationLinkDto | null>(null);
  const [wasDown, setWasDown] = useState(false);
  useEffect(() => {
    const channel = new Channel<WorkstationLinkDto>();
    channel.onmessage = (next) => {
      setLink(next);
      if (!next.online) setWasDown(true);
    };
    void commands.workstationLink(channel);
  }, []);
  if (link === null) return null;
  if (!link.online) {
    return (
      <div class="hub-banner hub-banner--down" role="alert" data-testid="hub-link-down">
        {formatText(t("workstation.offline"), { hub: link.hub || props.hub })}
      </div>
    );
  }
  return wasDown ? (
    <div class="hub-banner" role="status" data-testid="hub-link-back">
      {t("workstation.online")}
    </div>
  ) : null;
}
