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

/** Run statuses after which a run never changes again (the server's isTerminal). */
export function isFinal(status: string): boolean {
  return status !== "queued" && status !== "running";
}
