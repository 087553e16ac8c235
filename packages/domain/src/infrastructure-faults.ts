import { withoutEscapes } from "./console-normalize";

/**
 * Faults that are nobody's verdict: a lost host or a dead worker (retried by itself, a few times,
 * further and further apart) and a target repository that cannot be fetched (runs wait for it).
 */

/** The first retry is at once: a run lost with its host must be retried on a live worker within seconds. */
const FIRST_DELAYS_SECONDS = [0, 30, 120];
const LONGEST_DELAY_SECONDS = 600;

export interface InfrastructureRetry {
  /** 1 for the first automatic retry in a row of this lane on this commit */
  number: number;
  of: number;
  delaySeconds: number;
}

/**
 * The next automatic retry after an infrastructure fault, or null when `retriesSoFar` (automatic
 * retries in a row before the run that just failed, that run included) already reached `maxRetries`.
 */
export function nextInfrastructureRetry(retriesSoFar: number, maxRetries: number): InfrastructureRetry | null {
  if (!Number.isInteger(retriesSoFar) || retriesSoFar < 0) throw new Error(`not a retry count: ${retriesSoFar}`);
  if (retriesSoFar >= maxRetries) return null;
  const number = retriesSoFar + 1;
  const delaySeconds =
    FIRST_DELAYS_SECONDS[number - 1] ??
    Math.min(LONGEST_DELAY_SECONDS, FIRST_DELAYS_SECONDS.at(-1)! * 4 ** (number - FIRST_DELAYS_SECONDS.length));
  return { number, of: maxRetries, delaySeconds };
}

/** "30 s", "2 min", "10 min": how long until a delayed retry starts. */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 120) return `${s} s`;
  return `${Math.ceil(s / 60)} min`;
}

/** The queued retry's reason: "automatic retry 2 of 3 after an infrastructure fault; starts in 30 s". */
export function infrastructureRetryReason(retry: InfrastructureRetry): string {
  const what = `automatic retry ${retry.number} of ${retry.of} after an infrastructure fault`;
  return retry.delaySeconds > 0 ? `${what}; starts in ${formatWait(retry.delaySeconds)}` : what;
}

/** What a delayed retry waits for now, from when it becomes due. */
export function retryStartsIn(dueAt: Date, now: Date): string | null {
  const seconds = (dueAt.getTime() - now.getTime()) / 1000;
  return seconds > 0 ? `automatic retry after an infrastructure fault; starts in ${formatWait(seconds)}` : null;
}

export const TARGET_FAULT_MAX_CHARS = 1000;

/**
 * A fault message as stored and shown: git's stderr and a remote's words are data, so escape
 * sequences and control characters go (lines are joined with " / ") and the text is capped.
 */
export function cleanFaultMessage(message: string, max = TARGET_FAULT_MAX_CHARS): string {
  const lines = message
    .split(/\r?\n|\r/)
    .map((l) => withoutEscapes(l).replace(/\t/g, " ").trim())
    .filter((l) => l.length > 0);
  const text = lines.join(" / ") || "unknown error";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The fault in a banner: git's own words without "git fetch failed: ", first line only,
 * "fatal: bad object refs/heads/broken …" (the whole message is the banner's tooltip).
 */
export function faultSummary(message: string, max = 100): string {
  const text = message.replace(/^git [a-z-]+ failed: /, "");
  const cut = text.indexOf(" / ");
  const first = cut >= 0 ? text.slice(0, cut) : text;
  const more = cut >= 0 || first.length > max;
  return more ? `${first.slice(0, max).trimEnd()} …` : first;
}
