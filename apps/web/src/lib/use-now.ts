"use client";

import { useEffect, useState } from "react";

/**
 * The current time, re-read every `intervalMs`. The first value comes from render (so the server
 * and the first client paint agree closely) and is corrected as soon as the component mounts.
 */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}
