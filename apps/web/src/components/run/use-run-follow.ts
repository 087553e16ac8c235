"use client";

import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useRef, useState } from "react";
import type { ConsoleTerminalHandle } from "~/components/terminal";
import { useTRPC } from "~/trpc/react";

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export interface FollowState {
  /** console name → bytes received */
  bytes: Record<string, number>;
  status: string | null;
  connection: "connecting" | "pending" | "idle" | "error";
}

/**
 * One live stream for all consoles of a run. Bytes go straight into the terminals (not into
 * React state) so a fast console does not re-render the page per chunk; bytes that arrive
 * before a console's terminal mounts wait in a buffer.
 */
export function useRunFollow(runId: string, onStatus: (status: string) => void) {
  const trpc = useTRPC();
  const terminals = useRef(new Map<string, ConsoleTerminalHandle>());
  const early = useRef(new Map<string, Uint8Array[]>());
  const [bytes, setBytes] = useState<Record<string, number>>({});
  const [status, setStatus] = useState<string | null>(null);

  const attach = useCallback((name: string, handle: ConsoleTerminalHandle | null) => {
    if (!handle) {
      terminals.current.delete(name);
      return;
    }
    terminals.current.set(name, handle);
    for (const chunk of early.current.get(name) ?? []) handle.write(chunk);
    early.current.delete(name);
  }, []);

  const sub = useSubscription(
    trpc.runs.follow.subscriptionOptions(
      { id: runId },
      {
        onData: ({ data }) => {
          if (data.type === "status") {
            setStatus(data.status);
            onStatus(data.status);
            return;
          }
          const chunk = fromBase64(data.data);
          const term = terminals.current.get(data.console);
          if (term) term.write(chunk);
          else early.current.set(data.console, [...(early.current.get(data.console) ?? []), chunk]);
          setBytes((b) => ({ ...b, [data.console]: data.offset + chunk.length }));
        },
      },
    ),
  );

  return { attach, state: { bytes, status, connection: sub.status } satisfies FollowState };
}
