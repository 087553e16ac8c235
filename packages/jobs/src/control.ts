import type { Redis } from "ioredis";
import { z } from "zod";
import { keyPrefix, withinRedisTimeout } from "./redis";

/**
 * Messages to the worker that runs a run: cancel it, end its hold, type into one of its VM or
 * operation consoles, or start, resize and stop an operation. Pub/sub is enough: the worker also
 * polls Postgres for cancel, hold-end and requested operations, so a lost message only delays
 * them; keystrokes are only sent to a live holder.
 */
export const runControlMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("cancel"), runId: z.string().uuid() }),
  z.object({ type: z.literal("hold-end"), runId: z.string().uuid() }),
  z.object({
    type: z.literal("input"),
    runId: z.string().uuid(),
    console: z.string().max(64),
    data: z.string().max(65536),
  }),
  // Operations on a held run (see packages/services/src/operations.ts). A lost start is picked up
  // from Postgres by the worker's heartbeat; a lost resize or stop only waits for the next one.
  z.object({ type: z.literal("operation-start"), runId: z.string().uuid(), operationId: z.string().uuid() }),
  z.object({
    type: z.literal("operation-resize"),
    runId: z.string().uuid(),
    operationId: z.string().uuid(),
    cols: z.number().int().min(2).max(500),
    rows: z.number().int().min(1).max(300),
  }),
  z.object({ type: z.literal("operation-stop"), runId: z.string().uuid(), operationId: z.string().uuid() }),
]);
export type RunControlMessage = z.infer<typeof runControlMessage>;

export function runControlChannel(): string {
  return `${keyPrefix()}:run-control`;
}

/** Fails (RedisUnavailableError) rather than waiting while Redis is down: nobody is left hanging on a click. */
export async function publishRunControl(redis: Redis, msg: RunControlMessage): Promise<void> {
  const message = JSON.stringify(runControlMessage.parse(msg));
  await withinRedisTimeout(redis.publish(runControlChannel(), message), PUBLISH_MS, `sending ${msg.type}`);
}

const PUBLISH_MS = 2000;

/** Subscribes a dedicated connection; returns a function that unsubscribes and closes it. */
export async function subscribeRunControl(
  redis: Redis,
  onMessage: (msg: RunControlMessage) => void,
): Promise<() => void> {
  const channel = runControlChannel();
  await redis.subscribe(channel);
  redis.on("message", (ch: string, raw: string) => {
    if (ch !== channel) return;
    try {
      onMessage(runControlMessage.parse(JSON.parse(raw)));
    } catch {
      // not ours, or malformed: ignored
    }
  });
  return () => redis.disconnect();
}
