"use client";

import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { ConsoleTerminalHandle } from "~/components/terminal";
import { useTRPC } from "~/trpc/react";
import { stampLines, type StampState } from "./timestamps";

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The stream's resume point, in the server's event id form ("@harness:1024,node01:88"; the
 * leading "@" keeps it non-empty). Kept here, not imported from the API, to stay out of the bundle.
 */
function encodeApplied(buffers: Map<string, ConsoleBuffer>): string {
  return `@${[...buffers].map(([name, b]) => `${name}:${b.bytes}`).join(",")}`;
}

/** Waits before resubscribing after the stream failed: 1, 2, 4 … 10 s. */
const RETRY_MS = [1000, 2000, 4000, 8000, 10_000];

/** Past this, a page stops keeping its own copy of the bytes (so timestamps cannot be toggled). */
const KEEP_MAX_BYTES = 64 << 20;

/** A console longer than this opens at its tail; the rest is read a window at a time (see showWindow). */
export const TAIL_BYTES = 256 << 10;

interface ConsoleBuffer {
  chunks: { offset: number; data: Uint8Array }[];
  marks: [number, number][];
  /** the console offset after the last byte received */
  bytes: number;
  /** where the bytes received start (0 unless the console was opened at its tail), and its newlines before */
  start: ConsoleStart;
}

export interface ConsoleStart {
  offset: number;
  newlinesBefore: number;
}

/** Bytes of a live console this page did not get because it fell behind (they are stored). */
export interface ConsoleSkip {
  from: number;
  to: number;
  totalBytes: number;
}

/** A stored part of a console shown instead of its live tail. */
export interface ConsoleWindow extends ConsoleStart {
  data: Uint8Array;
  marks: [number, number][];
}

export interface FollowState {
  /** console name → the console offset after the last byte received */
  bytes: Record<string, number>;
  /** consoles opened at their tail: where their received bytes start */
  starts: Record<string, ConsoleStart>;
  /** consoles this page fell behind on and was moved ahead: the last bytes it skipped, and how many in all */
  skips: Record<string, ConsoleSkip>;
  /** consoles showing a stored window instead of their tail: where it starts and ends */
  windows: Record<string, { offset: number; end: number; newlinesBefore: number }>;
  status: string | null;
  connection: "connecting" | "pending" | "idle" | "error";
  /** false once the page stopped keeping bytes (very large consoles) */
  replayable: boolean;
  /** the run's worker cannot reach the database and keeps the run's output on disk meanwhile */
  buffering: { host: string; spooledBytes: number } | null;
}

/**
 * One live stream for all consoles of a run. The page keeps the bytes it received so a terminal
 * that mounts later (a tab, the grid) or a timestamps toggle can replay them; bytes go straight
 * into terminals, not through React state, so a fast console does not re-render the page.
 */
export function useRunFollow(runId: string, origin: number | null, onStatus: (status: string) => void, enabled = true) {
  const trpc = useTRPC();
  const buffers = useRef(new Map<string, ConsoleBuffer>());
  const terminals = useRef(new Map<string, { handle: ConsoleTerminalHandle; stamp: StampState }>());
  const timestamps = useRef(false);
  const kept = useRef(0);
  const [replayable, setReplayable] = useState(true);
  const [bytes, setBytes] = useState<Record<string, number>>({});
  const [starts, setStarts] = useState<FollowState["starts"]>({});
  const [skips, setSkips] = useState<FollowState["skips"]>({});
  const windows = useRef(new Map<string, ConsoleWindow>());
  const [windowState, setWindowState] = useState<FollowState["windows"]>({});
  const [status, setStatus] = useState<string | null>(null);
  const [buffering, setBuffering] = useState<FollowState["buffering"]>(null);
  const originRef = useRef(origin);
  useLayoutEffect(() => {
    originRef.current = origin;
  });
  // Where a new subscription starts: null (from the start) until the stream failed once.
  const [resumeFrom, setResumeFrom] = useState<string | null>(null);
  const retry = useRef<{ timer: ReturnType<typeof setTimeout> | null; failures: number }>({ timer: null, failures: 0 });
  const resubscribe = useRef<(delayMs: number) => void>(() => undefined);
  useEffect(() => () => clearTimeout(retry.current.timer ?? undefined), []);

  const render = useCallback(
    (offset: number, data: Uint8Array, marks: [number, number][], stamp: StampState): Uint8Array => {
      if (!timestamps.current) return data;
      return stampLines(data, offset, marks, originRef.current ?? marks[0]?.[1] ?? Date.now(), stamp);
    },
    [],
  );

  /** Draws a console again from what the page has: its window if one is shown, else the bytes received. */
  const replay = useCallback(
    (name: string) => {
      const t = terminals.current.get(name);
      if (!t) return;
      t.stamp = { atLineStart: true };
      const w = windows.current.get(name);
      if (w) {
        t.handle.reset(w.newlinesBefore);
        t.handle.write(render(w.offset, w.data, w.marks, t.stamp));
        return;
      }
      const buf = buffers.current.get(name);
      t.handle.reset(buf?.start.newlinesBefore ?? 0);
      for (const c of buf?.chunks ?? []) t.handle.write(render(c.offset, c.data, buf?.marks ?? [], t.stamp));
    },
    [render],
  );

  /** Shows a stored part of a console in place of its tail (null: back to the tail, which kept arriving meanwhile). */
  const showWindow = useCallback(
    (name: string, w: ConsoleWindow | null) => {
      if (w) windows.current.set(name, w);
      else windows.current.delete(name);
      setWindowState((all) => {
        const { [name]: _, ...rest } = all;
        return w
          ? { ...rest, [name]: { offset: w.offset, end: w.offset + w.data.length, newlinesBefore: w.newlinesBefore } }
          : rest;
      });
      replay(name);
    },
    [replay],
  );

  const attach = useCallback(
    (name: string, handle: ConsoleTerminalHandle | null) => {
      if (!handle) {
        terminals.current.delete(name);
        return;
      }
      if (terminals.current.get(name)?.handle === handle) return;
      terminals.current.set(name, { handle, stamp: { atLineStart: true } });
      replay(name);
    },
    [replay],
  );

  const setTimestamps = useCallback(
    (on: boolean) => {
      timestamps.current = on;
      for (const name of terminals.current.keys()) replay(name);
    },
    [replay],
  );

  // The callbacks go to the hook itself, so they are plainly event handlers, never called in render.
  const sub = useSubscription({
    ...trpc.runs.follow.subscriptionOptions({
      id: runId,
      lastEventId: resumeFrom,
      tailBytes: TAIL_BYTES,
      // A page too slow for a console (a slow link, a busy machine) is moved ahead, not left behind.
      skipBehind: true,
    }),
    // The page's own facts (status, first failures) load first: a stream replaying hundreds of
    // megabytes would otherwise queue them behind itself on a busy server.
    enabled,
    onStarted: () => {
      retry.current.failures = 0;
    },
    // useSubscription does not retry once the stream failed (e.g. a proxy answered 502 while the
    // web restarted): resubscribe from the bytes applied, so nothing is missed or written twice.
    onError: () => resubscribe.current(RETRY_MS[Math.min(retry.current.failures++, RETRY_MS.length - 1)]!),
    onData: ({ data }) => {
      if (data.type === "status") {
        setStatus(data.status);
        onStatus(data.status);
        if (data.status !== "running") setBuffering(null);
        return;
      }
      if (data.type === "buffering") {
        setBuffering(data.spooledBytes === null ? null : { host: data.host, spooledBytes: data.spooledBytes });
        return;
      }
      if (data.type === "start") {
        // A large console opens at its tail: the page has none of it yet, so nothing is dropped.
        const start = { offset: data.offset, newlinesBefore: data.newlinesBefore };
        const had = buffers.current.get(data.console);
        if (had && had.bytes > 0) return;
        buffers.current.set(data.console, { chunks: [], marks: [], bytes: data.offset, start });
        setStarts((all) => ({ ...all, [data.console]: start }));
        replay(data.console);
        return;
      }
      if (data.type === "skipped") {
        // The page goes on from where the live bytes are; what it skipped is stored and can be loaded.
        const start = { offset: data.to, newlinesBefore: data.newlinesBefore };
        const had = buffers.current.get(data.console);
        if (had && had.bytes >= data.to) return;
        for (const c of had?.chunks ?? []) kept.current -= c.data.length;
        buffers.current.set(data.console, { chunks: [], marks: [], bytes: data.to, start });
        setStarts((all) => ({ ...all, [data.console]: start }));
        setSkips((all) => ({
          ...all,
          [data.console]: {
            from: data.from,
            to: data.to,
            totalBytes: (all[data.console]?.totalBytes ?? 0) + data.to - data.from,
          },
        }));
        setBytes((b) => ({ ...b, [data.console]: data.to }));
        if (!windows.current.has(data.console)) replay(data.console);
        return;
      }
      let buf = buffers.current.get(data.console);
      if (!buf) {
        buf = { chunks: [], marks: [], bytes: 0, start: { offset: 0, newlinesBefore: 0 } };
        buffers.current.set(data.console, buf);
      }
      const whole = fromBase64(data.data);
      const have = buf.bytes;
      // A replay after a resubscribe may overlap what is on screen: only new bytes are written.
      if (data.offset + whole.length <= have) return;
      if (data.offset > have) {
        // A hole would shift every later byte: start again from what the page has.
        resubscribe.current(0);
        return;
      }
      const offset = have;
      const chunk = whole.subarray(have - data.offset);
      const marks = data.marks.filter(([o]) => o >= have);
      // a chunk cut at the front keeps the time of the mark it was cut from
      const cutFrom = data.marks.filter(([o]) => o < have).at(-1);
      if (cutFrom && !marks.some(([o]) => o === have)) marks.unshift([have, cutFrom[1]]);
      buf.marks.push(...marks);
      buf.bytes = offset + chunk.length;
      if (kept.current + chunk.length <= KEEP_MAX_BYTES) {
        buf.chunks.push({ offset, data: chunk });
        kept.current += chunk.length;
      } else if (replayable) {
        setReplayable(false);
      }
      const t = windows.current.has(data.console) ? undefined : terminals.current.get(data.console);
      if (t) t.handle.write(render(offset, chunk, buf.marks, t.stamp));
      setBytes((b) => ({ ...b, [data.console]: buf.bytes }));
    },
  });

  useLayoutEffect(() => {
    resubscribe.current = (delayMs: number) => {
      if (retry.current.timer) return;
      retry.current.timer = setTimeout(() => {
        retry.current.timer = null;
        const next = encodeApplied(buffers.current);
        // A new input is a new subscription; the same one needs an explicit reset.
        if (next !== resumeFrom) setResumeFrom(next);
        else sub.reset();
      }, delayMs);
    };
  });

  return {
    attach,
    setTimestamps,
    showWindow,
    state: {
      bytes,
      starts,
      skips,
      windows: windowState,
      status,
      connection: sub.status,
      replayable,
      buffering,
    } satisfies FollowState,
  };
}
