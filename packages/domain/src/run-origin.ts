/**
 * Who or what started a run (issue #11): a person (web, CLI or an API token), a trigger (a push
 * webhook, the sync finding a new head, a lane's schedule), an automatic retry after an
 * infrastructure fault, or the demo's seed. Stored as run.trigger (+ run.trigger_detail) when the
 * run is created; every page, the CLI and the API say it with runOriginLabel, so a rerun somebody
 * clicked never reads like an automatic retry.
 */
export const RUN_TRIGGERS = [
  /** a person asked for this lane: the web's rerun button, `proofboard rerun`, an API token */
  "manual",
  /** a person asked for "rerun what is missing" on a branch or gate */
  "missing",
  /** queued first because a requested lane needs it (its `needs`) */
  "needed",
  /** a push webhook brought a new head commit (a lane with `triggers: { push: true }`) */
  "push",
  /** the periodic (or a person's) sync found a new head commit */
  "sync",
  /** the lane's cron schedule fired (`triggers.schedule`) */
  "schedule",
  /** queued by itself after an infrastructure fault (a lost host, a dead worker) */
  "retry",
  /** the demo's seed (scripts/demo.ts) */
  "demo",
] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/** The triggers a worker's database role may insert (migration 20261207000100_worker_run_trigger). */
export const WORKER_TRIGGERS: readonly RunTrigger[] = ["retry", "schedule", "push", "sync", "needed"];

export function isRunTrigger(value: string): value is RunTrigger {
  return (RUN_TRIGGERS as readonly string[]).includes(value);
}

/** A person asked for it (their name is requested_by), as opposed to a trigger or a retry. */
export function askedByPerson(trigger: string): boolean {
  return trigger === "manual" || trigger === "missing";
}

export interface RunOrigin {
  trigger: string;
  /** a person's name for manual and missing; what queued it otherwise ("push", "schedule", ...) */
  requestedBy: string | null;
  attempt: number;
  branch: string;
  /** schedule: its cron pattern; retry: "2 of 3" (or "2" on rows from before the limit was kept) */
  triggerDetail: string | null;
}

/** The trigger_detail of the `number`th automatic retry in a row of `of`. */
export function retryDetail(number: number, of: number): string {
  return `${number} of ${of}`;
}

export function parseRetryDetail(detail: string | null): { number: number; of: number | null } | null {
  const m = detail?.match(/^(\d+)(?: of (\d+))?$/);
  return m ? { number: Number(m[1]), of: m[2] ? Number(m[2]) : null } : null;
}

/**
 * "rerun by olga", "queued by push to main", "scheduled (0 2 * * *)", "automatic retry 2 of 3
 * after an infrastructure fault", "rerun of what was missing by olga".
 */
export function runOriginLabel(o: RunOrigin): string {
  const who = o.requestedBy?.trim() || "someone";
  const again = o.attempt > 1 ? "rerun" : "run";
  switch (o.trigger) {
    case "manual":
      return `${again} by ${who}`;
    case "missing":
      return `${again} of what was missing by ${who}`;
    case "needed":
      return "queued first: a requested lane needs it";
    case "push":
      return `queued by push to ${o.branch}`;
    case "sync":
      return `queued by sync: new head of ${o.branch}`;
    case "schedule":
      return o.triggerDetail ? `scheduled (${o.triggerDetail})` : "scheduled";
    case "retry": {
      const retry = parseRetryDetail(o.triggerDetail);
      const which = retry ? ` ${retry.number}${retry.of ? ` of ${retry.of}` : ""}` : "";
      return `automatic retry${which} after an infrastructure fault`;
    }
    case "demo":
      return "seeded by the demo";
    default:
      return o.requestedBy ? `queued by ${who}` : "queued";
  }
}

/** What the attempt number means: the first, a rerun somebody (or something) asked for, or an automatic retry. */
export type AttemptKind = "first" | "rerun" | "retry";

export function attemptKind(o: Pick<RunOrigin, "trigger" | "attempt">): AttemptKind {
  if (o.trigger === "retry") return "retry";
  return o.attempt > 1 ? "rerun" : "first";
}

/** "attempt #1", "attempt #2 (rerun)", "attempt #3 (automatic retry)". */
export function attemptLabel(o: Pick<RunOrigin, "trigger" | "attempt">): string {
  const kind = attemptKind(o);
  return kind === "first"
    ? `attempt #${o.attempt}`
    : `attempt #${o.attempt} (${kind === "retry" ? "automatic retry" : "rerun"})`;
}
