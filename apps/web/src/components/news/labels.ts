import type { RouterOutputs } from "~/trpc/types";

export type Hook = RouterOutputs["news"]["hooks"]["hooks"][number];
export type Delivery = RouterOutputs["news"]["deliveries"][number];
export type NewsEvent = Hook["events"][number];

export const EVENTS = ["readiness.changed", "gate.changed", "lane.failed"] as const satisfies readonly NewsEvent[];

export const EVENT_LABEL: Record<NewsEvent, string> = {
  "readiness.changed": "Branch READY / NOT READY",
  "gate.changed": "Gate green / red",
  "lane.failed": "Release lane failed",
};

/** Colours of a delivery's state, from the theme's status tokens. */
export const DELIVERY_TONE: Record<string, string> = {
  delivered: "border-status-passed-edge bg-status-passed-soft text-status-passed-ink",
  failed: "border-status-failed-edge bg-status-failed-soft text-status-failed-ink",
  pending: "border-status-queued-edge bg-status-queued-soft text-status-queued-ink",
  sending: "border-status-running-edge bg-status-running-soft text-status-running-ink",
  superseded: "border-line bg-zinc-50 text-ink-muted",
};
