import { CONSOLE_NAME, fetchConsole, type Outputs } from "../api";
import { CliError, EXIT } from "../errors";
import { clean, type Output } from "../output";
import { isFinal, runArg, sleep, type Command, type Ctx } from "./context";
import { silentConsoleLine } from "./run";

const FOLLOW_POLL_MS = 300;

/**
 * `console RUN`: a console's bytes, exactly as stored, on stdout. It uses the raw HTTP endpoint,
 * not tRPC, because JSON would have to carry the bytes as base64 or mangle them as text.
 */
export const consoleCommand: Command = async (ctx) => {
  const runId = await runArg(ctx, ctx.args[0]!);
  const name = ctx.options.get("console") ?? "harness";
  const follow = ctx.flags.has("follow");
  // Checked before any URL is built: no run has a console by a name the server refuses.
  if (!CONSOLE_NAME.test(name)) throw noSuchConsole(await ctx.api.runs.get.query({ id: runId }), name);
  let offset = 0;
  for (;;) {
    const answer = await fetchConsole(ctx.config, runId, name, follow ? offset : null);
    if (answer.kind === "unknown-console") {
      // A console exists once the worker starts capturing it: until the run ends, it may still come.
      const run = await ctx.api.runs.get.query({ id: runId });
      if (!follow || isFinal(run.status)) throw noSuchConsole(run, name);
      await sleep(FOLLOW_POLL_MS);
      continue;
    }
    const written = await copy(answer.body, ctx.out);
    if (!follow) {
      if (written === 0) await sayIfSilent(ctx, runId, name);
      return 0;
    }
    offset += written;
    // Stop only on an empty answer from a final run: a final run's answer may still hold its last bytes.
    if (written === 0 && answer.final) {
      if (offset === 0) await sayIfSilent(ctx, runId, name);
      return 0;
    }
    if (written === 0) await sleep(FOLLOW_POLL_MS);
  }
};

/** Echoed names are cut here: a wrong one may be anything a shell passed, 300 characters of it. */
const SHOWN_NAME_CHARS = 64;

/** `unknown console "nodeX" of run 1234abcd; it has: harness, node01, node02` (exit 2): the run's consoles are the useful answer. */
export function noSuchConsole(run: Outputs["runs"]["get"], name: string): CliError {
  const cut = name.length > SHOWN_NAME_CHARS ? `${name.slice(0, SHOWN_NAME_CHARS)}…` : name;
  const names = run.consoles.map((c) => c.name);
  const has = names.length
    ? `it has: ${names.join(", ")}`
    : isFinal(run.status)
      ? "it has no consoles"
      : "it has no consoles yet";
  // JSON quoting shows controls as \u001b; clean() catches what JSON leaves (C1 controls, bidi overrides).
  return new CliError(`unknown console ${clean(JSON.stringify(cut))} of run ${run.id.slice(0, 8)}; ${has}`, EXIT.usage);
}

/** An empty console the lane promised says so on stderr, so stdout stays the console's (no) bytes. */
async function sayIfSilent(ctx: Ctx, runId: string, name: string): Promise<void> {
  const run = await ctx.api.runs.get.query({ id: runId });
  const c = run.consoles.find((x) => x.name === name);
  const line = c ? silentConsoleLine(c, !isFinal(run.status)) : null;
  if (line) ctx.out.info(line);
}

async function copy(body: ReadableStream<Uint8Array> | null, out: Output): Promise<number> {
  if (!body) return 0;
  let n = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.byteLength;
    await out.bytes(value);
  }
}
