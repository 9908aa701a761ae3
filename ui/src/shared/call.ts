// Runs a generated command and gives back its data or the backend's sentence for the person
// (in the language in use): the one way the screens call the backend.
import { errorText } from "./api";
import type { Lang } from "./i18n";

export type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: unknown };

export async function runCommand<T>(call: () => Promise<Outcome<T>>, lang: Lang): Promise<{ ok: true; data: T } | { ok: false; error: string }> {
  try {
    const result = await call();
    return result.status === "ok" ? { ok: true, data: result.data } : { ok: false, error: errorText(result.error, lang) };
  } catch (e) {
    return { ok: false, error: errorText(e, lang) };
  }
}
