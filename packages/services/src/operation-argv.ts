import type { LaneOperation } from "@proofboard/domain";

/**
 * An operation's argv for one node: `{node}` is replaced inside each element, and the result stays
 * an argv array (never a shell string), so a node name can only ever be one argument's text.
 */
export function operationArgv(op: Pick<LaneOperation, "command" | "perNode" | "name">, node: string | null): string[] {
  if (op.perNode && !node) throw new Error(`operation ${op.name} runs on one VM: name it`);
  if (!op.perNode && node) throw new Error(`operation ${op.name} does not take a VM`);
  return op.command.map((arg) => (node ? arg.replaceAll("{node}", node) : arg));
}

/** Console names of the run page and its live stream: lowercase, digits, '.', '_', '-'; 64 at most. */
const CONSOLE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * The console an operation prints to, e.g. `op3-ssh-node02`: numbered within the run, so running
 * `ssh node02` twice gives two consoles, each replayable on its own.
 */
export function operationConsoleName(seq: number, name: string, node: string | null): string {
  const raw = `op${seq}-${name}${node ? `-${node}` : ""}`.toLowerCase().replace(/[^a-z0-9._-]/g, "-");
  const out = raw.slice(0, 64);
  if (!CONSOLE_NAME.test(out)) throw new Error(`cannot name a console for operation ${JSON.stringify(name)}`);
  return out;
}
