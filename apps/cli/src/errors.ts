import { TRPCClientError } from "@trpc/client";
import type { CommandSpec } from "./args";

/** Exit codes are part of the CLI's interface: scripts branch on them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, denied: 4 } as const;

/** An error already phrased for a person: main prints `proofboard: <message>` and exits with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  constructor(
    message: string,
    /** the command whose usage line to show, or null for the general one */
    readonly spec: CommandSpec | null,
  ) {
    super(message, EXIT.usage);
  }
}

/** What a person should try when the API cannot be reached. */
export const START_HINT = "start it with: bash scripts/start.sh (or set PROOFBOARD_API_URL)";

/** The tRPC error codes that mean "what you asked for does not exist / is not valid". */
const CALLER_CODES = new Set(["NOT_FOUND", "BAD_REQUEST", "PARSE_ERROR"]);

/** Turns whatever a call threw into one line for a person and an exit code. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof TRPCClientError) {
    // Our fetch wrapper throws CliErrors (unreachable, not the API); tRPC wraps them.
    if (err.cause instanceof CliError) return err.cause;
    const code = (err.data as { code?: unknown } | undefined)?.code;
    if (typeof code === "string" && CALLER_CODES.has(code)) return new CliError(oneLine(err.message), EXIT.usage);
    // The server's refusal already says who you are, what it needs and how to log in.
    if (code === "UNAUTHORIZED" || code === "FORBIDDEN") return new CliError(oneLine(err.message), EXIT.denied);
    // The server answered; what it could not reach (the target repository, Redis) is named in the message.
    if (code === "TOO_MANY_REQUESTS" || code === "BAD_GATEWAY" || code === "SERVICE_UNAVAILABLE")
      return new CliError(oneLine(err.message), EXIT.failed);
    return new CliError(`the API failed: ${oneLine(err.message)}`, EXIT.failed);
  }
  return new CliError(`internal error: ${oneLine(err instanceof Error ? err.message : String(err))}`, EXIT.failed);
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}
