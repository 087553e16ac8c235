import { experimental_standaloneMiddleware, type TRPCError } from "@trpc/server";
import { auditInput, logger, recordAuditEvent } from "@proofboard/services";
import type { Context } from "../trpc";

/**
 * Every mutation, as it ended, becomes one audit row: who (a refused attempt too), what, on which
 * run / branch / lane, from where. Queries and subscriptions change nothing and are not logged.
 */

type MiddlewareResult = { ok: true; data: unknown } | { ok: false; error: TRPCError };

interface AuditOptions<R extends MiddlewareResult> {
  ctx: Context;
  type: "query" | "mutation" | "subscription";
  path: string;
  getRawInput: () => Promise<unknown>;
  next: () => Promise<R>;
}

/** Input fields that are data but not for the log: keystrokes may be a password typed into a VM, and a webhook URL (Slack's) is itself a credential. */
const NOT_STORED: Record<string, readonly string[]> = { "runs.input": ["data"], "news.create": ["url"] };

/** Mutations made many times a second while someone types: recorded without holding their answer. */
const UNAWAITED = new Set(["runs.input", "operations.input", "operations.resize"]);

/** Codes that mean the request was turned down, as opposed to the server failing. */
const SERVER_FAILURES = new Set([
  "INTERNAL_SERVER_ERROR",
  "NOT_IMPLEMENTED",
  "BAD_GATEWAY",
  "SERVICE_UNAVAILABLE",
  "GATEWAY_TIMEOUT",
]);

type Fields = Record<string, unknown>;
const fields = (v: unknown): Fields => (v && typeof v === "object" && !Array.isArray(v) ? (v as Fields) : {});
const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

/** What the row is about: from the input, else from what the mutation returned (a rerun's new run). */
export function auditTarget(path: string, input: unknown, data: unknown) {
  const i = fields(input);
  const d = fields(data);
  const runsPath = path.startsWith("runs.");
  return {
    runId: str(i.runId) ?? (runsPath ? (str(i.id) ?? str(d.id)) : null),
    branch: str(i.branch) ?? str(d.branch),
    lane: str(i.lane) ?? str(d.lane),
    repository: str(i.repository) ?? str(d.repository),
  };
}

/** A few words for the run page's "<summary> by <actor>": what happened, in the past tense. */
export function auditSummary(path: string, input: unknown, data: unknown): string {
  const i = fields(input);
  switch (path) {
    case "runs.cancel":
      return "canceled";
    case "runs.rerun": {
      // The lane's first run on its commit is a run, not a rerun, as the run's own header says (run-origin.ts).
      const verb = fields(data).attempt === 1 ? "run" : "rerun";
      return typeof i.holdMinutes === "number" ? `${verb} with a ${i.holdMinutes} min hold` : verb;
    }
    case "runs.rerunMissing": {
      const queued = fields(data).runs;
      const lanes = Array.isArray(queued) ? queued.map((r) => str(fields(r).lane)).filter(Boolean) : [];
      return `queued ${lanes.length} missing run${lanes.length === 1 ? "" : "s"}${lanes.length ? `: ${lanes.join(", ")}` : ""}`;
    }
    case "runs.endHold":
      return "hold ended";
    case "runs.input":
      return `typed ${typeof i.data === "string" ? i.data.length : 0} characters into ${str(i.console) ?? "a console"}`;
    case "operations.start":
      return `ran ${str(i.name) ?? "an operation"}${str(i.node) ? ` on ${str(i.node)}` : ""}`;
    case "operations.stop":
      return "stopped an operation";
    case "operations.resize":
      return "resized an operation";
    case "auth.login":
      return "logged in";
    case "auth.logout":
      return "logged out";
    case "branches.sync":
      return "synced the repository";
    case "auth.issueToken":
    case "tokens.create": {
      const info = fields(fields(data).info);
      return `made ${str(info.scope) ?? "an"} API token ${str(info.prefix) ?? ""}… (${str(info.name) ?? "?"}) for ${str(info.user) ?? str(i.name) ?? str(i.user) ?? "?"}`;
    }
    case "tokens.revoke":
      return `revoked API token ${str(i.id) ?? "?"}`;
    case "users.create":
      return `added user ${str(i.name) ?? "?"} as ${str(i.role) ?? "?"}`;
    case "users.setRole":
      return `made ${str(i.name) ?? "?"} ${str(i.role) ?? "?"}`;
    case "users.setPassword":
      return `set the password of ${str(i.name) ?? "?"}`;
    default:
      return path;
  }
}

function outcomeOf(error: TRPCError): string {
  return SERVER_FAILURES.has(error.code) ? "error" : `refused: ${error.code}`;
}

/** Runs the mutation, then records it; the record can never change or fail the mutation's answer. */
export async function auditMutation<R extends MiddlewareResult>(opts: AuditOptions<R>): Promise<R> {
  const result = await opts.next();
  if (opts.type !== "mutation") return result;
  const { ctx, path } = opts;
  const record = async () => {
    try {
      const input = await opts.getRawInput().catch(() => null);
      const data = result.ok ? result.data : undefined;
      // A login's context is still anonymous: the user is who it logged in as.
      const loggedIn = !result.ok
        ? null
        : path === "auth.login"
          ? fields(data)
          : path === "auth.issueToken"
            ? fields(fields(data).user)
            : null;
      const user =
        loggedIn && str(loggedIn.id)
          ? { id: String(loggedIn.id), name: String(loggedIn.name), role: String(loggedIn.role) }
          : ctx.user;
      await recordAuditEvent({
        actor: user?.name ?? ctx.actor,
        userId: user?.id ?? null,
        role: user?.role ?? "anonymous",
        address: ctx.address ?? "local",
        action: path,
        ...auditTarget(path, input, data),
        summary: result.ok ? auditSummary(path, input, data) : result.error.message,
        input: auditInput(input, { omit: NOT_STORED[path] }),
        outcome: result.ok ? "ok" : outcomeOf(result.error),
      });
    } catch (err) {
      logger("audit").error("audit event not recorded", { action: path, err });
    }
  };
  // Keystrokes and resizes come many a second: their answer does not wait for the row.
  if (UNAWAITED.has(path)) void record();
  else await record();
  return result;
}

/** The middleware trpc.ts puts first on every procedure, so it also sees what later middlewares refuse. */
export const auditMutations = experimental_standaloneMiddleware<{ ctx: Context }>().create((opts) =>
  auditMutation(opts),
);
