"use client";

import { useEffect, useState } from "react";

/**
 * The current time, re-read every `intervalMs`. The first value comes from render (so the server
 * and the first client paint agree closely) and is corrected as soon as the component mounts.
 */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    // A timer, not a set-state in the effect body: the correction is one more render, never a cascade.
    const first = setTimeout(() => setNow(Date.now()), 0);
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => {
      clearTimeout(first);
      clearInterval(id);
    };
  }, [intervalMs]);
  return now;
}
