import { createHmac, timingSafeEqual } from "node:crypto";
import { shortSha } from "@proofboard/domain";

/**
 * What outgoing news says, as pure functions of the event: the proofboard JSON payload (versioned),
 * the Slack message made from it, and the signature. Everything here is data from branches,
 * commits and catalogs, so it is cleaned and capped before it is put into text.
 */

export const PAYLOAD_VERSION = 1;
export const NEWS_EVENTS = ["readiness.changed", "gate.changed", "lane.failed"] as const;
export type NewsEvent = (typeof NEWS_EVENTS)[number];
export type EventKind = NewsEvent | "ping";
export const HOOK_FORMATS = ["proofboard", "slack"] as const;
export type HookFormat = (typeof HOOK_FORMATS)[number];

interface Common {
  version: typeof PAYLOAD_VERSION;
  /** the event's stable id: readiness:<n>, run:<uuid>, ping:<uuid> (the same on every delivery of it) */
  id: string;
  /** when it happened, ISO 8601 */
  at: string;
  repository: string | null;
}

export interface ReadinessPayload extends Common {
  event: "readiness.changed" | "gate.changed";
  branch: string;
  commit: string;
  /** the commit's first line, when Proofboard has the commit */
  commitSubject: string | null;
  /** null: the branch as a whole (every release gate); otherwise the gate's id */
  gate: string | null;
  ready: boolean;
  missing: string[];
  /** the first verdict seen for this branch and gate: never sent to hooks, only as a commit status */
  initial: boolean;
  run: { id: string; url: string } | null;
  url: string;
}

export interface LaneFailedPayload extends Common {
  event: "lane.failed";
  branch: string;
  commit: string;
  lane: string;
  /** the release gates the lane belongs to at that commit */
  gates: string[];
  status: "failed" | "timed_out";
  failureKind: string | null;
  reason: string | null;
  attempt: number;
  run: { id: string; url: string };
  url: string;
}

export interface PingPayload extends Common {
  event: "ping";
  hook: { id: string; name: string };
  url: string;
}

export type NewsPayload = ReadinessPayload | LaneFailedPayload | PingPayload;

/** One line of text from outside: no control characters (a newline would start a Slack line), capped. */
export function clean(s: string, max = 200): string {
  const one = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function pageUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}

/** Slack's mrkdwn treats &, < and > as markup: anything else is literal. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const list = (names: string[], max = 8) =>
  names.length <= max
    ? names.map((n) => clean(n, 80)).join(", ")
    : `${names
        .slice(0, max)
        .map((n) => clean(n, 80))
        .join(", ")} and ${names.length - max} more`;

/** The sentence a person reads (Slack text, the deliveries page), plain text, not escaped. */
export function headline(p: NewsPayload): string {
  if (p.event === "ping") return `Proofboard test message for hook "${clean(p.hook.name, 64)}": this receiver works`;
  const branch = clean(p.branch);
  const at = shortSha(p.commit);
  if (p.event === "lane.failed") {
    const how = p.status === "timed_out" ? "timed out" : "failed";
    const gates = p.gates.length ? ` (release gate ${list(p.gates)})` : "";
    const reason = p.reason ? `: ${clean(p.reason, 300)}` : "";
    return `${clean(p.lane, 80)} ${how} on ${branch} at ${at}${gates}${reason}`;
  }
  if (p.gate === null) {
    return p.ready
      ? `${branch} is READY at ${at} — all release gates green`
      : `${branch} is NOT READY at ${at}: missing ${list(p.missing)}`;
  }
  const gate = clean(p.gate, 80);
  return p.ready
    ? `gate ${gate} is green on ${branch} at ${at}`
    : `gate ${gate} is red on ${branch} at ${at}: missing ${list(p.missing)}`;
}

function emoji(p: NewsPayload): string {
  if (p.event === "ping") return ":wave:";
  if (p.event === "lane.failed") return ":x:";
  return p.ready ? ":large_green_circle:" : ":red_circle:";
}

/** A Slack incoming-webhook message: `text` (notifications, old clients) and the same in blocks, with links. */
export function slackMessage(p: NewsPayload): { text: string; blocks: unknown[] } {
  const text = `${emoji(p)} ${slackEscape(headline(p))}`.slice(0, 2900);
  const links = [`<${p.url}|Open in Proofboard>`];
  if (p.event !== "ping" && p.run) links.push(`<${p.run.url}|the run>`);
  const subject =
    p.event !== "ping" && "commitSubject" in p && p.commitSubject
      ? ` · ${slackEscape(clean(p.commitSubject, 120))}`
      : "";
  const where = `${p.repository ? ` · ${slackEscape(clean(p.repository, 80))}` : ""}${subject}`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      { type: "context", elements: [{ type: "mrkdwn", text: `${links.join(" · ")}${where}` }] },
    ],
  };
}

export function bodyFor(format: HookFormat, p: NewsPayload): string {
  return JSON.stringify(format === "slack" ? slackMessage(p) : p);
}

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>"): the timestamp is signed too, so a replay can be told by its age. */
export function signature(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** What a receiver does (README: News): recompute and compare in constant time. */
export function verifySignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(signature(secret, timestamp, body));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
