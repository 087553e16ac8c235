"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { Button } from "~/components/ui/button";
import { formatBytes } from "~/lib/bytes";
import { useTRPC } from "~/trpc/react";
import { TAIL_BYTES, type ConsoleSkip, type ConsoleStart, type ConsoleWindow } from "./use-run-follow";

/** How much of a large console one window shows. */
export const WINDOW_BYTES = 2 << 20;

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export type WindowAt = { offset: number } | { line: number };

/**
 * Loads stored windows of a run's consoles for the consoles too large to load whole. Resolves with
 * where the window starts once it is handed to the terminal, or null when it could not be read (the
 * error is kept per console and shown by the ruler).
 */
export function useConsoleWindows(runId: string, showWindow: (name: string, w: ConsoleWindow | null) => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const open = useCallback(
    async (name: string, at: WindowAt, exact = false): Promise<ConsoleStart | null> => {
      try {
        const w = await queryClient.fetchQuery(
          trpc.consoles.window.queryOptions(
            { runId, console: name, at, maxBytes: WINDOW_BYTES },
            { staleTime: 60_000 },
          ),
        );
        setErrors(({ [name]: _, ...rest }) => rest);
        const shown = exact && "line" in at ? fromLine({ ...w, data: fromBase64(w.data) }, at.line) : null;
        const window = shown ?? {
          offset: w.offset,
          newlinesBefore: w.newlinesBefore,
          data: fromBase64(w.data),
          marks: w.marks,
        };
        showWindow(name, window);
        return { offset: window.offset, newlinesBefore: window.newlinesBefore };
      } catch (err) {
        setErrors((all) => ({ ...all, [name]: err instanceof Error ? err.message : String(err) }));
        return null;
      }
    },
    [queryClient, runId, showWindow, trpc],
  );
  return { open, errors };
}

/**
 * A window cut to start at a line (a line later output drew over in the terminal is shown
 * first, before anything can draw over it); null when the line is not in the window.
 */
function fromLine(w: ConsoleWindow, line: number): ConsoleWindow | null {
  let at = 0;
  for (let n = w.newlinesBefore + 1; n < line; n++) {
    const nl = w.data.indexOf(10, at);
    if (nl < 0) return null;
    at = nl + 1;
  }
  const offset = w.offset + at;
  const earlier = w.marks.filter(([o]) => o <= offset).at(-1);
  return {
    offset,
    newlinesBefore: line - 1,
    data: w.data.subarray(at),
    marks: [...(earlier ? [[offset, earlier[1]] as [number, number]] : []), ...w.marks.filter(([o]) => o > offset)],
  };
}

export interface ConsoleRulerProps {
  name: string;
  /** the console's length so far */
  length: number;
  /** set when the page opened it at its tail */
  start: ConsoleStart | undefined;
  /** set once the page fell behind the live console and was moved ahead */
  skipped: ConsoleSkip | undefined;
  /** set while a stored window is shown instead of the tail */
  window: { offset: number; end: number; newlinesBefore: number } | undefined;
  error: string | undefined;
  open: (at: WindowAt) => void;
  tail: () => void;
}

/**
 * Where the terminal stands in a console too large to load whole: which bytes and lines it shows,
 * a ruler over the whole log to seek, and the start, the neighbouring windows and the live tail.
 */
export function ConsoleRuler({ name, length, start, skipped, window: shown, error, open, tail }: ConsoleRulerProps) {
  const [seek, setSeek] = useState<number | null>(null);
  if (!start && !shown) return null;
  const from = shown?.offset ?? start?.offset ?? 0;
  const to = shown?.end ?? length;
  const firstLine = (shown?.newlinesBefore ?? start?.newlinesBefore ?? 0) + 1;
  const tailFrom = start?.offset ?? Math.max(0, length - TAIL_BYTES);
  const position = seek ?? from;
  return (
    <div
      className="flex flex-wrap items-center gap-x-2 gap-y-1 rounded border border-line bg-zinc-50 px-2 py-1 text-xs"
      data-testid="console-ruler"
      data-console={name}
      data-from={from}
      data-to={to}
    >
      <span className="tabular-nums text-ink-muted">
        {shown ? "showing" : "showing the tail:"} {formatBytes(from)} – {formatBytes(to)} of {formatBytes(length)}, from
        line {firstLine.toLocaleString("en-US")}
      </span>
      <input
        type="range"
        className="min-w-24 flex-1 accent-status-running"
        aria-label={`Position in ${name}`}
        min={0}
        max={Math.max(1, length)}
        step={Math.max(1, Math.floor(length / 1000))}
        value={position}
        onChange={(e) => setSeek(Number(e.target.value))}
        onPointerUp={() => {
          if (seek !== null) open({ offset: seek });
          setSeek(null);
        }}
        onKeyUp={(e) => {
          if (seek !== null && (e.key.startsWith("Arrow") || e.key === "Home" || e.key === "End")) {
            open({ offset: seek });
            setSeek(null);
          }
        }}
      />
      <Button size="xs" variant="ghost" disabled={from === 0} onClick={() => open({ offset: 0 })}>
        Start
      </Button>
      <Button
        size="xs"
        variant="ghost"
        disabled={from === 0}
        onClick={() => open({ offset: Math.max(0, from - WINDOW_BYTES) })}
      >
        Earlier
      </Button>
      <Button
        size="xs"
        variant="ghost"
        disabled={!shown}
        onClick={() => (to >= tailFrom ? tail() : open({ offset: to }))}
      >
        Later
      </Button>
      <Button size="xs" variant={shown ? "outline" : "ghost"} disabled={!shown} onClick={tail}>
        Tail
      </Button>
      {skipped && (
        <span className="text-status-running" role="status" data-testid="console-skipped">
          {formatBytes(skipped.totalBytes)} skipped: this page fell behind the live console
          <Button size="xs" variant="outline" className="ml-2" onClick={() => open({ offset: skipped.from })}>
            Load them
          </Button>
        </span>
      )}
      {error && (
        <span className="text-status-failed" role="alert">
          {name}: {error}
        </span>
      )}
    </div>
  );
}
