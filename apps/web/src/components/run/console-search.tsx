"use client";

import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";

/** Find in one console's scrollback; Enter for the next match, Shift+Enter for the previous. */
export function ConsoleSearch({
  target,
  search,
}: {
  target: string;
  search: (query: string, direction: "next" | "previous") => boolean;
}) {
  const [query, setQuery] = useState("");
  const [missing, setMissing] = useState(false);
  const go = (direction: "next" | "previous") => setMissing(query !== "" && !search(query, direction));
  return (
    <span className="inline-flex items-center gap-1">
      <Input
        type="search"
        value={query}
        placeholder={`Search ${target}`}
        aria-label={`Search the ${target} console`}
        size="xs"
        invalid={missing}
        className="w-48 text-sm"
        onChange={(e) => {
          setQuery(e.target.value);
          setMissing(false);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") go(e.shiftKey ? "previous" : "next");
        }}
      />
      <Button size="xs" variant="ghost" aria-label="Previous match" onClick={() => go("previous")}>
        ↑
      </Button>
      <Button size="xs" variant="ghost" aria-label="Next match" onClick={() => go("next")}>
        ↓
      </Button>
      {missing && <span className="text-status-failed">no match</span>}
    </span>
  );
}
