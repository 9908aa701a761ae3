// The front end's only door to the backend: the generated bindings, with errors turned into
// the backend's sentence in the language in use.
import type { IpcError, Text } from "./bindings";
import type { Lang } from "./i18n";

// Commands return the `_Serialize` shape (what Rust sends): fields are never missing.
export type { AppStatus_Serialize as AppStatus, ComponentStatus_Serialize as ComponentStatus, IpcError, Text } from "./bindings";
export { commands } from "./bindings";

export function textIn(text: Text, lang: Lang): string {
  return lang === "en" ? text.en : text["zh-CN"];
}

/// An error's sentence for the person. A rejected promise that is not an IpcError (a bug, or a
/// permission refused by the capability files) still gets a sentence, never a raw message.
export function errorText(error: unknown, lang: Lang): string {
  if (isIpcError(error)) return textIn(error.message, lang);
  console.error(error);
  return lang === "en"
    ? "The request could not be completed. The details are in the app's log."
    : "请求未能完成，详细信息已写入程序日志。";
}

function isIpcError(value: unknown): value is IpcError {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}
