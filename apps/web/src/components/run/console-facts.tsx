"use client";

import { cn } from "~/lib/utils";
import type { RouterOutputs } from "~/trpc/types";

/** What the run page knows of a console from storage (runs.get), besides its bytes. */
export type ConsoleInfo = RouterOutputs["runs"]["get"]["consoles"][number];

const VERDICT: Record<string, { label: string; className: string; hint: string }> = {
  passed: {
    label: "passed",
    className: "bg-status-passed-soft text-status-passed-ink",
    hint: "this VM reported a pass, or printed no failure in a passed run",
  },
  failed: {
    label: "failed",
    className: "bg-status-failed-soft text-status-failed-ink",
    hint: "this VM failed, or printed a line that marks a failure",
  },
  clean: {
    label: "no failure seen",
    className: "bg-zinc-100 text-zinc-600",
    hint: "printed no line that marks a failure; the run did not pass",
  },
  "no-output": {
    label: "no output",
    className: "bg-zinc-100 text-zinc-600",
    hint: "nothing was captured from this console",
  },
};

/** A console's own verdict, beside its name in a tab or tile. */
export function ConsoleVerdict({ info }: { info: ConsoleInfo | undefined }) {
  const v = info?.verdict ? VERDICT[info.verdict] : undefined;
  // an operation's outcome is its exit status, shown in the operations panel
  if (!v || info?.name === "harness" || info?.kind === "operation") return null;
  return (
    <span
      className={cn("rounded px-1 text-[11px] font-medium leading-4", v.className)}
      title={v.hint}
      data-verdict={info?.verdict}
    >
      {v.label}
    </span>
  );
}

/** A permalink to one line of a console of this run. */
export function lineHref(runId: string, console: string, line: number): string {
  return `/runs/${encodeURIComponent(runId)}?console=${encodeURIComponent(console)}&line=${line}`;
}

/** Says plainly that a console the lane promised printed nothing (never a silent empty box). */
export function NoOutput({ info, live }: { info: ConsoleInfo; live: boolean }) {
  if (info.length > 0 || !info.expectedFrom) return null;
  return (
    <p className="rounded border border-dashed border-line px-2 py-1 text-sm text-ink-muted" data-testid="no-output">
      <span className="font-mono font-semibold">{info.name}</span>:{" "}
      {live && !info.closed ? "no output yet" : "no output captured"} (expected from {info.expectedFrom})
    </p>
  );
}

/** A console whose bytes retention dropped says so, and what it still has (verdict, failure lines). */
export function Dropped({ info }: { info: ConsoleInfo }) {
  if (!info.droppedAt) return null;
  return (
    <p
      className="rounded border border-dashed border-line px-2 py-1 text-sm text-ink-muted"
      data-testid="console-dropped"
    >
      <span className="font-mono font-semibold">{info.name}</span>: its {info.length.toLocaleString("en-US")} bytes were
      dropped on {info.droppedAt.slice(0, 10)} by the lane&apos;s console retention; its verdict and first failure lines
      are kept
    </p>
  );
}

/** The console's first failure line, with a way to jump there in the terminal and a permalink. */
export function FirstFailure({
  runId,
  info,
  onJump,
}: {
  runId: string;
  info: ConsoleInfo;
  onJump: (line: number) => void;
}) {
  const first = info.markers[0];
  if (!first) return null;
  return (
    <p className="flex min-w-0 items-center gap-2 px-1 text-xs" data-testid="first-failure" data-console={info.name}>
      <button
        type="button"
        className="shrink-0 font-medium text-status-failed underline-offset-2 hover:underline"
        onClick={() => onJump(first.line)}
      >
        line {first.line}
      </button>
      <span className="min-w-0 truncate font-mono" title={first.text}>
        {first.text}
      </span>
      {info.markers.length > 1 && <span className="shrink-0 text-ink-muted">+{info.markers.length - 1} more</span>}
      <a
        className="ml-auto shrink-0 text-ink-muted underline-offset-2 hover:underline"
        href={lineHref(runId, info.name, first.line)}
      >
        link
      </a>
    </p>
  );
}
