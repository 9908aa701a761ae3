import { AreaFrame } from "../shared/area";
import { useT } from "../shared/i18n";

export function KioskArea() {
  const { t } = useT();
  return <AreaFrame testId="area-kiosk" title={t("kiosk.title")} intro={t("kiosk.intro")} />;
}
