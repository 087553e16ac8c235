"use client";

import { useEffect, useRef, useState } from "react";
import { Input } from "~/components/ui/input";

/** Typing settles before the overview asks again: one query per pause, not per key. */
const SETTLE_MS = 200;

/**
 * A branch-name filter for the overview. The text is plain (no pattern syntax) and mirrored into
 * `?q=` with history.replaceState, so a filtered overview is a link to share, without a navigation.
 */
export function BranchFilter({ value, onChange }: { value: string; onChange: (filter: string) => void }) {
  const [text, setText] = useState(value);
  const box = useRef<HTMLInputElement>(null);
  // The box is in the server's HTML, so it can be typed into before the scripts run; that text is adopted once they do.
  useEffect(() => {
    const typed = box.current?.value;
    if (typed !== undefined && typed !== value) setText(typed);
  }, [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => {
      onChange(text);
      const url = new URL(window.location.href);
      if (text) url.searchParams.set("q", text);
      else url.searchParams.delete("q");
      window.history.replaceState(window.history.state, "", url);
    }, SETTLE_MS);
    return () => clearTimeout(timer);
  }, [text, value, onChange]);
  return (
    <Input
      ref={box}
      type="search"
      value={text}
      maxLength={255}
      onChange={(e) => setText(e.target.value)}
      placeholder="Filter branches"
      aria-label="Filter branches by name"
      data-testid="branch-filter"
      className="w-56"
    />
  );
}
