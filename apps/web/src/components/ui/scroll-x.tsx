"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import { cn } from "~/lib/utils";

/**
 * A box that scrolls its content sideways instead of widening the page (a wide table on a phone).
 * While the content is wider (or taller) than the box, the box is a focusable, named region, so the
 * keyboard can scroll it too (arrow keys); otherwise it is a plain div and no extra Tab stop.
 */
export function ScrollX({
  label = "Table, scrolls sideways",
  className,
  children,
}: {
  label?: string;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  // Until measured (the server's HTML, before hydration) the box counts as scrolling: a page read
  // before its scripts run must not show a scrolling table the keyboard cannot reach.
  const [overflows, setOverflows] = useState(true);
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    // Either way: a box that scrolls sideways scrolls up and down too (overflow-y computes to auto),
    // so content a little taller than the box (a label below a bar) makes it a scroll region as well.
    const measure = () =>
      setOverflows(box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1);
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    if (box.firstElementChild) observer.observe(box.firstElementChild);
    measure();
    return () => observer.disconnect();
  }, []);
  return (
    <div
      ref={ref}
      // `relative` keeps absolutely placed bits (sr-only labels) inside the box, or they would widen the page anyway.
      className={cn(
        "relative w-full overflow-x-auto focus-visible:outline-2 focus-visible:outline-status-running",
        className,
      )}
      tabIndex={overflows ? 0 : undefined}
      role={overflows ? "region" : undefined}
      aria-label={overflows ? label : undefined}
    >
      {children}
    </div>
  );
}
