"use client";

import { useEffect, useState } from "react";

/** Typing settles before the overview asks again: one query per pause, not per key. */
const SETTLE_MS = 200;

/**
 * A branch-name filter for the overview. The text is plain (no pattern syntax) and mirrored into
 * `?q=` with history.replaceState, so a filtered overview is a link to share, without a navigation.
 */
export function BranchFilter({ value, onChange }: { value: string; onChange: (filter: string) => void }) {
  const [text, setText] = useState(value);
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
    <input
      type="search"
      value={text}
      maxLength={255}
      onChange={(e) => setText(e.target.value)}
      placeholder="Filter branches"
      aria-label="Filter branches by name"
      data-testid="branch-filter"
      className="h-7 w-56 rounded-md border border-line bg-surface px-2 text-sm text-ink placeholder:text-ink-muted focus-visible:outline-2 focus-visible:outline-status-running"
    />
  );
}
