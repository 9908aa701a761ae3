import { AreaFrame } from "../shared/area";
import { useT } from "../shared/i18n";

export function ClerkArea() {
  const { t } = useT();
  return <AreaFrame testId="area-clerk" title={t("clerk.title")} intro={t("clerk.intro")} />;
}
