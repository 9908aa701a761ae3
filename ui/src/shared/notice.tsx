// The two messages every form shows: what went wrong (announced at once) and what was done.

export function Alert(props: { text: string | null; testId?: string }) {
  if (props.text === null || props.text === "") return null;
  return (
    <p role="alert" class="bad" data-testid={props.testId}>
      {props.text}
    </p>
  );
}

export function Done(props: { text: string | null; testId?: string }) {
  if (props.text === null) return null;
  return (
    <p role="status" class="ok" data-testid={props.testId}>
      {props.text}
    </p>
  );
}
