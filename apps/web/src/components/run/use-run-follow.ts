"use client";

import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useRef, useState } from "react";
import type { ConsoleTerminalHandle } from "~/components/terminal";
import { useTRPC } from "~/trpc/react";
import { stampLines, type StampState } from "./timestamps";

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Past this, a page stops keeping its own copy of the bytes (so timestamps cannot be toggled). */
const KEEP_MAX_BYTES = 64 << 20;

interface ConsoleBuffer {
  chunks: { offset: number; data: Uint8Array }[];
  marks: [number, number][];
  bytes: number;
}

export interface FollowState {
  /** console name → bytes received */
  bytes: Record<string, number>;
  status: string | null;
  connection: "connecting" | "pending" | "idle" | "error";
  /** false once the page stopped keeping bytes (very large consoles) */
  replayable: boolean;
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
  const [status, setStatus] = useState<string | null>(null);
  const originRef = useRef(origin);
  originRef.current = origin;

  const render = useCallback((name: string, offset: number, data: Uint8Array, stamp: StampState): Uint8Array => {
    if (!timestamps.current) return data;
    const buf = buffers.current.get(name);
    const first = buf?.marks[0]?.[1] ?? Date.now();
    return stampLines(data, offset, buf?.marks ?? [], originRef.current ?? first, stamp);
  }, []);

  const replay = useCallback(
    (name: string) => {
      const t = terminals.current.get(name);
      if (!t) return;
      t.handle.reset();
      t.stamp = { atLineStart: true };
      for (const c of buffers.current.get(name)?.chunks ?? []) t.handle.write(render(name, c.offset, c.data, t.stamp));
    },
    [render],
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

  const sub = useSubscription(
    trpc.runs.follow.subscriptionOptions(
      { id: runId },
      {
        // The page's own facts (status, first failures) load first: a stream replaying hundreds of
        // megabytes would otherwise queue them behind itself on a busy server.
        enabled,
        onData: ({ data }) => {
          if (data.type === "status") {
            setStatus(data.status);
            onStatus(data.status);
            return;
          }
          const chunk = fromBase64(data.data);
          let buf = buffers.current.get(data.console);
          if (!buf) {
            buf = { chunks: [], marks: [], bytes: 0 };
            buffers.current.set(data.console, buf);
          }
          buf.marks.push(...data.marks);
          buf.bytes = data.offset + chunk.length;
          if (kept.current + chunk.length <= KEEP_MAX_BYTES) {
            buf.chunks.push({ offset: data.offset, data: chunk });
            kept.current += chunk.length;
          } else if (replayable) {
            setReplayable(false);
          }
          const t = terminals.current.get(data.console);
          if (t) t.handle.write(render(data.console, data.offset, chunk, t.stamp));
          setBytes((b) => ({ ...b, [data.console]: buf.bytes }));
        },
      },
    ),
  );

  return { attach, setTimestamps, state: { bytes, status, connection: sub.status, replayable } satisfies FollowState };
}
