import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/// The first area shown after start-up keeps the focus where the browser put it.
let arrivedOnce = false;

/// The frame of a role area: its heading (focused on arrival from another area, so screen
/// readers announce the new area) and its introduction.
export function AreaFrame(props: { testId: string; title: string; intro: string; children?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (arrivedOnce) heading.current?.focus();
    arrivedOnce = true;
  }, [props.testId]);
  return (
    <section aria-labelledby={`${props.testId}-title`} data-testid={props.testId}>
      <h2 id={`${props.testId}-title`} tabIndex={-1} ref={heading}>
        {props.title}
      </h2>
      <p class="intro">{props.intro}</p>
      {props.children}
    </section>
  );
}
