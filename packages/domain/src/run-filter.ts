import { isRunTrigger, type RunTrigger } from "./run-origin";
import { RUN_STATUSES, type RunStatus } from "./types";

/**
 * What a release engineer means by a status filter (issue #11). "failed" is the group of runs that
 * ended without passing and want a look: a test failure, a timeout, an error, a lost host. Not in
 * it: canceled (somebody stopped it), skipped (a lane it needs failed: that one is listed) and
 * unsupported (no host can run it): those are "stopped". Every status also filters alone, except
 * "failed", whose name is the group's: a plain test failure is failure kind "test" in the reason.
 */
export const RUN_STATUS_GROUPS = {
  failed: ["failed", "timed_out", "error", "lost"],
  active: ["waiting", "queued", "running"],
  stopped: ["canceled", "skipped", "unsupported"],
} as const satisfies Record<string, readonly RunStatus[]>;
export type RunStatusGroup = keyof typeof RUN_STATUS_GROUPS;

/** Every word a status filter accepts: the groups first, then the statuses a group does not name. */
export const RUN_STATUS_FILTERS = [
  ...(Object.keys(RUN_STATUS_GROUPS) as RunStatusGroup[]),
  ...RUN_STATUSES.filter((s) => !(s in RUN_STATUS_GROUPS)),
] as const;
export type RunStatusFilter = RunStatusGroup | Exclude<RunStatus, RunStatusGroup>;

/** A status filter's statuses, in RUN_STATUSES order: "failed,canceled" → failed, timed_out, canceled, lost, error. */
export function statusesOf(filters: readonly RunStatusFilter[]): RunStatus[] {
  const picked = new Set<RunStatus>();
  for (const f of filters) {
    const group = (RUN_STATUS_GROUPS as Record<string, readonly RunStatus[]>)[f];
    for (const s of group ?? [f as RunStatus]) picked.add(s);
  }
  return RUN_STATUSES.filter((s) => picked.has(s));
}

export function isRunStatusFilter(value: string): value is RunStatusFilter {
  return (RUN_STATUS_FILTERS as readonly string[]).includes(value);
}

/**
 * "failed" or "timed_out,lost" (a URL's or the CLI's one string) as filter words; null when a word
 * is not one, so the caller can name the valid ones.
 */
export function parseStatusFilter(text: string): RunStatusFilter[] | null {
  const words = text
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean);
  if (words.length === 0 || !words.every(isRunStatusFilter)) return null;
  return [...new Set(words)];
}

/**
 * Who started the runs a filter wants (domain run-origin.ts): a trigger kind ("push", "sync",
 * "schedule", "retry", "needed", "demo"; "manual" and "missing" for every person's rerun of that
 * kind) or a person's name. A person called like a trigger is "user:NAME".
 */
export type RequesterFilter = { trigger: RunTrigger } | { person: string };

export const PERSON_PREFIX = "user:";

export function requesterFilter(value: string): RequesterFilter {
  if (value.startsWith(PERSON_PREFIX)) return { person: value.slice(PERSON_PREFIX.length) };
  return isRunTrigger(value) ? { trigger: value } : { person: value };
}

/** The triggers under which requested_by is a person's name (run-origin.ts askedByPerson). */
export const PERSON_TRIGGERS = ["manual", "missing"] as const satisfies readonly RunTrigger[];
