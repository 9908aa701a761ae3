import { AreaFrame } from "../shared/area";
import { useT } from "../shared/i18n";

export function AuditorArea() {
  const { t } = useT();
  return <AreaFrame testId="area-auditor" title={t("auditor.title")} intro={t("auditor.intro")} />;
}
