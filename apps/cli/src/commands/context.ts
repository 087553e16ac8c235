import { isTerminal, type RunStatus } from "@proofboard/domain";
import type { Client, Config } from "../api";
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
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`, ctx.spec);
  return n;
}
