/**
 * `pnpm --filter @proofboard/cli build`: the CLI as one file, dist/proofboard.mjs. Written to a
 * file of its own and renamed into place, so a build running beside another (two suites setting up
 * at once) or beside a running CLI never leaves a half-written bundle to execute.
 */
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const dist = path.join(import.meta.dirname, "dist");
const out = path.join(dist, "proofboard.mjs");
const partial = path.join(dist, `.proofboard.${process.pid}.mjs`);
try {
  await build({
    entryPoints: [path.join(import.meta.dirname, "src/main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: partial,
    logLevel: "warning",
    // bundled CommonJS dependencies call require(), which an ES module lacks
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  await rename(partial, out);
} finally {
  await rm(partial, { force: true });
}
