import { z } from "zod";
import type { RunStatus } from "@proofboard/domain";
import { followRun } from "@proofboard/services";
import { nameInput } from "./names";

const consoleName = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** What a run page asks `runs.follow` for (tRPC's procedure and the fast route read the same input). */
export const followInput = z.object({
  id: nameInput(64),
  lastEventId: z.string().max(4096).nullish(),
  /** open consoles longer than this at their tail (a "start" event says where) */
  tailBytes: z
    .number()
    .int()
    .min(64 << 10)
    .max(64 << 20)
    .nullish(),
  /** a viewer too slow for a live console is moved ahead to it (a "skipped" event says what it missed) */
  skipBehind: z.boolean().nullish(),
});
export type FollowInput = z.infer<typeof followInput>;

/**
 * A tracked event id carries every console's byte offset: "@harness:1024,node01:88". The
 * leading "@" keeps it non-empty before the first byte (SSE treats an empty id as none).
 */
export function encodeOffsets(offsets: Map<string, number>): string {
  return `@${[...offsets].map(([name, n]) => `${name}:${n}`).join(",")}`;
}

export function decodeOffsets(id: string | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (id ?? "").replace(/^@/, "").split(",")) {
    const i = part.lastIndexOf(":");
    const name = part.slice(0, i);
    const digits = part.slice(i + 1);
    if (i > 0 && consoleName.test(name) && /^\d{1,15}$/.test(digits)) out[name] = Number(digits);
  }
  return out;
}

/** The events of `runs.follow` as the browser receives them (JSON, bytes in base64). */
export type FollowWireEvent =
  | { type: "status"; status: RunStatus }
  | { type: "buffering"; host: string; spooledBytes: number | null }
  | { type: "start"; console: string; offset: number; newlinesBefore: number }
  | { type: "skipped"; console: string; from: number; to: number; newlinesBefore: number }
  | { type: "bytes"; console: string; offset: number; data: string; marks: [number, number][] };

const base64Of = new WeakMap<Buffer, string>();

/** A shared Buffer's base64, made once however many viewers it goes to. */
function base64Once(data: Buffer): string {
  let s = base64Of.get(data);
  if (s === undefined) base64Of.set(data, (s = data.toString("base64")));
  return s;
}

/**
 * A run followed from `lastEventId`, each event with the id that resumes right after it.
 * `shared` is the Buffer a bytes event carries whole when every viewer in this process reaching
 * those bytes gets that same Buffer (a live chunk, a shared storage read): the key under which its
 * encoding can be kept and shared; null for anything else.
 */
export async function* followWire(
  runId: string,
  input: Pick<FollowInput, "lastEventId" | "tailBytes" | "skipBehind">,
  signal?: AbortSignal,
): AsyncGenerator<{ id: string; event: FollowWireEvent; shared: Buffer | null }> {
  const offsets = new Map(Object.entries(decodeOffsets(input.lastEventId)));
  const opts = { tailBytes: input.tailBytes, skipBehind: input.skipBehind };
  for await (const ev of followRun(runId, Object.fromEntries(offsets), signal, opts)) {
    if (ev.kind === "bytes") {
      offsets.set(ev.console, ev.offset + ev.data.length);
      const data = ev.shared ? base64Once(ev.data) : ev.data.toString("base64");
      const event = { type: "bytes" as const, console: ev.console, offset: ev.offset, data, marks: ev.marks };
      yield { id: encodeOffsets(offsets), event, shared: ev.shared ? ev.data : null };
      continue;
    }
    let event: FollowWireEvent;
    if (ev.kind === "skipped") {
      offsets.set(ev.console, ev.to);
      event = { type: "skipped", console: ev.console, from: ev.from, to: ev.to, newlinesBefore: ev.newlinesBefore };
    } else if (ev.kind === "start") {
      offsets.set(ev.console, ev.offset);
      event = { type: "start", console: ev.console, offset: ev.offset, newlinesBefore: ev.newlinesBefore };
    } else if (ev.kind === "status") {
      event = { type: "status", status: ev.status };
    } else {
      event = { type: "buffering", host: ev.host, spooledBytes: ev.spooledBytes };
    }
    yield { id: encodeOffsets(offsets), event, shared: null };
  }
}
