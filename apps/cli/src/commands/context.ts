import { isTerminal, type RunStatus } from "@proofboard/domain";
import { RUN_ID, type Client, type Config } from "../api";
import type { CommandSpec } from "../args";
import type { Output } from "../output";
import { UsageError } from "../errors";

/** What every command gets: the API, the configuration, the output and its parsed arguments. */
export interface Ctx {
  spec: CommandSpec;
  api: Client;
  config: Config;
  out: Output;
  args: string[];
  flags: Set<string>;
  options: Map<string, string>;
  /** The user's environment, read once in main.ts (HOME, XDG_CONFIG_HOME, PROOFBOARD_TOKEN, USER…). */
  env: NodeJS.ProcessEnv;
}

/** A command returns its exit code; errors are thrown as CliErrors. */
export type Command = (ctx: Ctx) => Promise<number>;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether a run has ended and never changes again; a run waiting for the lanes it needs has not. */
export function isFinal(status: RunStatus): boolean {
  return isTerminal(status);
}

/** `--NAME N`, a whole number in [min, max]; undefined when not given. */
export function wholeOption(ctx: Ctx, name: string, min: number, max: number): number | undefined {
  const raw = ctx.options.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max)
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`,
      ctx.spec,
    );
  return n;
}

/**
 * RUN as typed: a full run id as it is, else a unique prefix of one (8+ hex digits) that the server
 * resolves, saying when it is too short, ambiguous (with the matching ids) or unknown (exit 2).
 */
export async function runArg(ctx: Ctx, arg: string): Promise<string> {
  if (RUN_ID.test(arg)) return arg;
  return (await ctx.api.runs.resolve.query({ prefix: arg })).id;
}
