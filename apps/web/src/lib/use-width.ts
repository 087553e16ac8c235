"use client";

import { useEffect, useState } from "react";

/**
 * The content width of the element the returned callback ref is put on, followed as it resizes;
 * `initial` until it has been measured (server render, first paint). Charts draw at this width in
 * real pixels instead of scaling one fixed drawing, so text stays 10px on a phone and on a wide screen.
 */
export function useWidth<T extends HTMLElement>(initial: number) {
  const [el, setEl] = useState<T | null>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      const w = Math.floor(entry?.contentRect.width ?? 0);
      if (w > 0) setWidth(w);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [el]);
  return [setEl, width] as const;
}
