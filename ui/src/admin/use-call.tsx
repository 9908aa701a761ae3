import { useState } from "preact/hooks";
import { type Outcome, runCommand } from "../shared/call";
import { useT } from "../shared/i18n";

/// Runs a command and reports its sentence on failure.
export function useCall() {
  const { lang } = useT();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function call<T>(run: () => Promise<Outcome<T>>, then: (data: T) => void) {
    setBusy(true);
    setError(null);
    const result = await runCommand(run, lang);
    setBusy(false);
    if (result.ok) then(result.data);
    else setError(result.error);
  }
  const alert = (testId: string) =>
    error !== null && (
      <p role="alert" class="bad" data-testid={testId}>
        {error}
      </p>
    );
  return { call, busy, alert };
}
