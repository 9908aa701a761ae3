// Every form of the app. The browser's own validation is off (its bubbles speak the webview's
// language, not the person's): the fields keep their `required`, `minLength`, `min` and `max`,
// and this component checks them on submit and says what is missing in the person's language,
// beside the button, with the field focused. The backend checks everything again.
import type { ComponentProps } from "preact";
import { useState } from "preact/hooks";
import { formatText, useT } from "./i18n";
import { Alert } from "./notice";

type FormProps = Omit<ComponentProps<"form">, "noValidate" | "onSubmit"> & {
  onSubmit: (e: Event) => void;
};

/// What a field is called: its label's own text, without the text of what it holds.
function fieldName(field: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement): string {
  const label = field.closest("label");
  if (label === null) return field.getAttribute("aria-label") ?? "";
  let name = "";
  for (const node of Array.from(label.childNodes)) {
    if (node.nodeType === Node.TEXT_NODE) name += node.textContent ?? "";
    else if (node instanceof HTMLElement && !node.matches("input, textarea, select, small, .hint")) name += node.textContent ?? "";
  }
  return name.trim().replace(/[：:]$/, "");
}

export function Form(props: FormProps) {
  const { t } = useT();
  const [problem, setProblem] = useState<string | null>(null);
  const { onSubmit, children, ...rest } = props;
  return (
    <form
      {...rest}
      noValidate
      onInput={() => setProblem(null)}
      onSubmit={(e) => {
        const fields = Array.from(e.currentTarget.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>("input, textarea, select"));
        const bad = fields.find((f) => !f.disabled && !f.validity.valid);
        if (bad !== undefined) {
          e.preventDefault();
          const name = fieldName(bad);
          const v = bad.validity;
          const input = bad as HTMLInputElement;
          const text = v.valueMissing
            ? formatText(t("form.missing"), { name })
            : v.tooShort
              ? formatText(t("form.tooShort"), { name, n: String(input.minLength) })
              : v.rangeUnderflow || v.rangeOverflow || v.stepMismatch
                ? formatText(t("form.range"), { name, min: input.min, max: input.max })
                : v.badInput
                  ? formatText(t("form.number"), { name })
                  : formatText(t("form.invalid"), { name });
          setProblem(text);
          bad.focus();
          return;
        }
        setProblem(null);
        onSubmit(e);
      }}
    >
      {children}
      <Alert text={problem} testId="form-problem" />
    </form>
  );
}

/// A file field in the person's language: our own button and "no file chosen", over the
/// browser's input (kept, transparent, where the button is, so clicks and drops reach it).
export function FileInput(props: {
  label: string;
  accept: string;
  disabled?: boolean;
  testId?: string;
  onChange: (e: Event & { currentTarget: HTMLInputElement }) => void;
}) {
  const { t } = useT();
  const [name, setName] = useState<string | null>(null);
  return (
    <label class="file">
      {props.label}
      <span class="file-pick">
        <span class="button button--quiet" aria-hidden="true">
          {t("form.file.choose")}
        </span>
        <input
          type="file"
          accept={props.accept}
          disabled={props.disabled}
          data-testid={props.testId}
          onChange={(e) => {
            setName(e.currentTarget.files?.[0]?.name ?? null);
            props.onChange(e);
          }}
        />
        <span class="file-pick__name" data-testid={props.testId ? `${props.testId}-name` : undefined}>
          {name ?? t("form.file.none")}
        </span>
      </span>
    </label>
  );
}
