import { isTerminal, type RunStatus } from "@proofboard/domain";
import type { Client, Config } from "../api";
import type { CommandSpec } from "../args";
import type { Output } from "../output";

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
