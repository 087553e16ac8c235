"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import { Section } from "~/components/ui/card";
import { Mono } from "~/components/ui/mono";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import { lineHref } from "./console-facts";

type Result = RouterOutputs["consoles"]["search"];
type ConsoleResult = Result["consoles"][number];

function size(n: number): string {
  if (n < 1024) return `${n} B`;
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A rejected input arrives as zod's JSON list of issues; a person wants the first message. */
export function errorText(message: string): string {
  try {
    const issues = JSON.parse(message) as { message?: unknown }[];
    if (Array.isArray(issues) && typeof issues[0]?.message === "string") return issues[0].message;
  } catch {
    // a plain message, e.g. `unknown run: "x"`
  }
  return message;
}

const MAX_QUERY = 200;

function Line({ runId, console, m }: { runId: string; console: string; m: ConsoleResult["matches"][number] }) {
  return (
    <li className="flex min-w-0 gap-2 py-px">
      <Link
        href={lineHref(runId, console, m.line)}
        className="w-14 shrink-0 text-right text-status-running tabular-nums hover:underline"
        aria-label={`${console} line ${m.line}`}
      >
        {m.line}
      </Link>
      <span className="min-w-0 whitespace-pre-wrap [overflow-wrap:anywhere]">
        {m.text.slice(0, m.start)}
        <mark className="rounded-sm bg-highlight-strong text-ink">{m.text.slice(m.start, m.end)}</mark>
        {m.text.slice(m.end)}
      </span>
    </li>
  );
}

function ConsoleMatches({ runId, c }: { runId: string; c: ConsoleResult }) {
  return (
    <div data-testid="search-console" data-console={c.name} data-count={c.count}>
      <h3 className="flex items-center gap-2 py-1 text-sm">
        <Mono>{c.name}</Mono>
        <span className="font-medium">
          {c.count} {c.count === 1 ? "match" : "matches"}
        </span>
        {c.matchedLines !== c.count && (
          <span className="text-ink-muted">
            on {c.matchedLines} {c.matchedLines === 1 ? "line" : "lines"}
          </span>
        )}
        {c.matchedLines > c.matches.length && (
          <span className="text-ink-muted">(first {c.matches.length} lines shown)</span>
        )}
        {!c.complete && (
          <span className="text-status-timeout">
            searched the first {size(c.bytes)} of {size(c.length)} only
          </span>
        )}
      </h3>
      <ol className="font-mono text-xs leading-5">
        {c.matches.map((m, i) => (
          <Line key={`${m.offset}:${i}`} runId={runId} console={c.name} m={m} />
        ))}
      </ol>
    </div>
  );
}

/** "Search all consoles": the server reads every stored byte, so consoles far larger than a terminal's scrollback are covered. */
export function SearchConsoles({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const [text, setText] = useState("");
  const [query, setQuery] = useState<string | null>(null);
  const search = useQuery({
    ...trpc.consoles.search.queryOptions({ runId, query: query ?? "" }),
    enabled: query !== null,
    staleTime: 10_000,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.length === 0) return;
    // The same text again searches again: a running run's consoles have grown since.
    if (text === query) void search.refetch();
    else setQuery(text);
  };
  const r = search.data;
  const found = r?.consoles.filter((c) => c.count > 0) ?? [];
  const none = r?.consoles.filter((c) => c.count === 0) ?? [];
  return (
    <Section
      title="Search all consoles"
      data-testid="search-consoles"
      description={
        r ? (
          <span data-testid="search-summary">
            {r.total} {r.total === 1 ? "match" : "matches"} in {found.length} of {r.consoles.length} consoles ·{" "}
            {size(r.bytes)} in {r.ms} ms
          </span>
        ) : (
          "literal text, any case; colours and control bytes ignored"
        )
      }
    >
      <form onSubmit={submit} className="flex items-center gap-1.5">
        <Input
          type="search"
          value={text}
          maxLength={MAX_QUERY}
          placeholder="e.g. [FAILED] or Kernel panic"
          aria-label="Search all consoles"
          className="w-80 max-w-full"
          onChange={(e) => setText(e.target.value)}
        />
        <Button type="submit" variant="outline" disabled={text.length === 0 || (search.isFetching && query === text)}>
          {search.isFetching ? "Searching…" : "Search"}
        </Button>
      </form>
      {search.error && (
        <p role="alert" className="mt-2 text-sm text-status-failed [overflow-wrap:anywhere]">
          {errorText(search.error.message)}
        </p>
      )}
      {r && query !== null && (
        <div className="mt-2 flex flex-col gap-1" data-testid="search-results">
          {found.map((c) => (
            <ConsoleMatches key={c.name} runId={runId} c={c} />
          ))}
          {none.length > 0 && (
            <p className={cn("text-sm text-ink-muted", found.length > 0 && "pt-1")}>
              No match in {none.map((c) => c.name).join(", ")}.
            </p>
          )}
        </div>
      )}
    </Section>
  );
}
