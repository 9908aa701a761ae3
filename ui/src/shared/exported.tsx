// Where an export went, and the way to it: the file's name and folder, with buttons to open the
// file or the folder that holds it (the backend opens only what lies in the export folder).
import { useState } from "preact/hooks";
import { commands } from "./api";
import { runCommand } from "./call";
import { formatText, useT } from "./i18n";
import { Alert } from "./notice";

/// `/a/b/c.pdf` → [`/a/b`, `c.pdf`].
function split(path: string): [string, string] {
  const cut = path.lastIndexOf("/");
  return cut < 0 ? ["", path] : [path.slice(0, cut) || "/", path.slice(cut + 1)];
}

/// `folder`: the export is a folder (a whole job), not a file.
export function ExportedFile(props: { path: string; folder?: boolean; testId: string }) {
  const { t, lang } = useT();
  const [error, setError] = useState<string | null>(null);
  const [dir, name] = split(props.path);
  const open = async (showFolder: boolean) => {
    const r = await runCommand(() => commands.openExport(props.path, showFolder), lang);
    setError(r.ok ? null : r.error);
  };
  return (
    <div class="exported" data-testid={props.testId} data-path={props.path}>
      <p>
        {props.folder ? formatText(t("exported.folder"), { name }) : formatText(t("exported.file"), { name })}
        <br />
        <small>{formatText(t("exported.where"), { dir })}</small>
      </p>
      <p>
        {!props.folder && (
          <button type="button" class="button" onClick={() => void open(false)} data-testid={`${props.testId}-open`}>
            {t("exported.open")}
          </button>
        )}{" "}
        <button type="button" class="button button--quiet" onClick={() => void open(true)} data-testid={`${props.testId}-show`}>
          {props.folder ? t("exported.openFolder") : t("exported.showInFolder")}
        </button>
      </p>
      <Alert text={error} testId={`${props.testId}-error`} />
    </div>
  );
}
