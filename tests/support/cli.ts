import { execFileSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * The CLI as one bundled file (`pnpm --filter @proofboard/cli build`, as people can ship it): it
 * starts in ~0.2 s where `tsx apps/cli/src/main.ts` compiles for ~1.5 s, and the suites start it
 * about a hundred times. Built from the same source by each suite's set-up, so it is never stale.
 */
export const CLI_BUNDLE = path.join(root, "apps/cli/dist/proofboard.mjs");

export function buildCli(): void {
  execFileSync("pnpm", ["--filter", "@proofboard/cli", "build"], { cwd: root, stdio: "pipe" });
}

/** argv for `node`: the bundled CLI and its arguments (never through a shell). */
export function cliArgv(args: readonly string[]): string[] {
  return [CLI_BUNDLE, ...args];
}
