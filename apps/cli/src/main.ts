import { commandUsage, helpText, parseArgs } from "./args";
import { loadConfig, makeClient } from "./api";
import { branches, status } from "./commands/branches";
import { consoleCommand } from "./commands/console";
import { diff, search } from "./commands/consoles";
import type { Command } from "./commands/context";
import { lanes } from "./commands/lanes";
import { hosts, sync } from "./commands/admin";
import { audit } from "./commands/audit";
import { deliveries, hooks, redeliverCommand } from "./commands/news";
import { login, logout, tokenCreate, tokenRevoke, tokens, whoami } from "./commands/account";
import { missing, rerun, runs } from "./commands/runs";
import { runCommand } from "./commands/run";
import { timeline } from "./commands/timeline";
import { EXIT, oneLine, toCliError, UsageError } from "./errors";
import { clean, makeOutput } from "./output";

/** `pnpm proofboard <command>`: the release-readiness console for terminals and scripts. */

const HANDLERS: Record<string, Command> = {
  branches,
  status,
  lanes,
  runs,
  run: runCommand,
  rerun,
  missing,
  console: consoleCommand,
  search,
  diff,
  hosts,
  sync,
  audit,
  timeline,
  login,
  logout,
  whoami,
  tokens,
  "token-create": tokenCreate,
  "token-revoke": tokenRevoke,
  hooks,
  deliveries,
  redeliver: redeliverCommand,
};

async function main(argv: readonly string[]): Promise<number> {
  // The CLI runs on people's machines and must never load the server's configuration
  // (@proofboard/env: database, Redis); this is the one place it reads its own environment,
  // which loadConfig and credentialsPath validate.
  // eslint-disable-next-line no-restricted-properties -- the CLI's single read of its user's environment
  const env = process.env;
  const out = makeOutput(process.stdout, process.stderr, env);
  try {
    const parsed = parseArgs(argv);
    if (parsed.kind === "help") {
      process.stdout.write(helpText(parsed.topic));
      return EXIT.ok;
    }
    const handler = HANDLERS[parsed.spec.name];
    if (!handler) throw new UsageError(`unknown command ${JSON.stringify(parsed.spec.name)}`, null);
    const config = await loadConfig(env, parsed.options.get("repository"));
    return await handler({
      spec: parsed.spec,
      api: makeClient(config),
      config,
      out,
      args: parsed.args,
      flags: parsed.flags,
      options: parsed.options,
      env,
    });
  } catch (err) {
    const e = toCliError(err);
    // Messages echo what was typed or stored (names, run id prefixes): shown escaped, never interpreted.
    out.info(`proofboard: ${clean(oneLine(e.message))}`);
    if (e instanceof UsageError)
      out.info(
        e.spec
          ? `usage: ${commandUsage(e.spec)}`
          : "usage: proofboard COMMAND [options] [--] [arguments]; see: proofboard help",
      );
    return e.exitCode;
  }
}

// A reader that goes away (`proofboard console X | head`) is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(EXIT.ok);
  throw err;
});

// exitCode rather than process.exit(): stdout must drain first, or piped bytes would be cut short.
process.exitCode = await main(process.argv.slice(2));
