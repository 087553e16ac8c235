// First: the fault suite's database and prefix, before any Proofboard module reads the environment.
import { workerEnv } from "../tests/faults/suite-env";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, appendFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { db, disconnectDb } from "@proofboard/db";
import { launchChromium } from "../e2e/support/browser";

/**
 * `pnpm exec tsx scripts/watch-faults.ts --only ID[,ID] [--out DIR] [--every S]`: runs those faults
 * of `pnpm test:faults` and watches them as an operator would, beside the suite: a web process of
 * its own on the suite's database (its reconciler off, so it only reads) is shot in Chromium every
 * few seconds (branches, hosts, the run in flight), and the CLI's `hosts` and `runs` go to
 * cli.log. Every file is named by the seconds since the watch started; the suite's log lines count
 * from its own start, a second or two later.
 */
const { values } = parseArgs({
  options: {
    only: { type: "string" },
    out: { type: "string", default: "/tmp/proofboard-fault-watch" },
    every: { type: "string", default: "3" },
    port: { type: "string", default: "3390" },
  },
});
if (!values.only) {
  console.error("watch-faults: name the faults to watch: --only worker-killed,redis-emptied (see pnpm test:faults)");
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, "..");
const out = path.resolve(values.out);
const port = Number(values.port);
const everyMs = Number(values.every) * 1000;
const nextBin = path.join(root, "apps/web/node_modules/next/dist/bin/next");
const cliBin = path.join(root, "apps/cli/dist/proofboard.mjs");
for (const [file, fix] of [
  [path.join(root, "apps/web/.next/BUILD_ID"), "pnpm --filter @proofboard/web build"],
  [cliBin, "pnpm --filter @proofboard/cli build"],
] as const) {
  if (!existsSync(file)) {
    console.error(`watch-faults: ${path.relative(root, file)} is missing: run \`${fix}\` first`);
    process.exit(2);
  }
}
mkdirSync(out, { recursive: true });
const started = Date.now();
const stamp = () => ((Date.now() - started) / 1000).toFixed(1).padStart(6, "0");
const url = `http://127.0.0.1:${port}`;

const suite = spawn(process.execPath, ["--import", "tsx", "tests/faults/run.ts", "--only", values.only], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
});
let suiteStarted!: () => void;
const suiteHasDatabase = new Promise<void>((r) => (suiteStarted = r));
suite.stdout.on("data", (d: Buffer) => {
  process.stdout.write(d);
  appendFileSync(path.join(out, "suite.log"), d);
  // its first scenario line comes after it made its database afresh
  if (/\[[a-z-]+\] /.test(d.toString())) suiteStarted();
});
const suiteDone = new Promise<number>((r) => suite.once("exit", (code) => r(code ?? 1)));

await suiteHasDatabase;
const webEnv = {
  ...process.env,
  ...workerEnv,
  PROOFBOARD_DATA_DIR: path.join(out, "web-data"),
  PROOFBOARD_WEB_RECONCILER: "off",
  PORT: String(port),
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
};
const web: ChildProcess = spawn(process.execPath, [nextBin, "start", "-p", String(port)], {
  cwd: path.join(root, "apps/web"),
  env: webEnv,
  detached: true,
  stdio: "ignore",
});
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });

async function shoot(name: string, route: string): Promise<void> {
  try {
    await page.goto(url + route, { waitUntil: "load", timeout: 10_000 });
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(out, `${stamp()}-${name}.png`), fullPage: false });
  } catch (e) {
    appendFileSync(path.join(out, "cli.log"), `${stamp()} ${name}: ${(e as Error).message.split("\n")[0]}\n`);
  }
}

function cli(args: string[]): void {
  const r = spawnSync(process.execPath, [cliBin, ...args], {
    env: { ...process.env, PROOFBOARD_API_URL: url },
    encoding: "utf8",
    timeout: 15_000,
  });
  appendFileSync(
    path.join(out, "cli.log"),
    `${stamp()} $ proofboard ${args.join(" ")}  (exit ${r.status})\n${r.stdout}${r.stderr}\n`,
  );
}

async function newestRun(): Promise<{ id: string } | null> {
  return (
    (await db().run.findFirst({
      where: { status: { in: ["running", "queued"] } },
      orderBy: { queuedAt: "desc" },
      select: { id: true },
    })) ?? (await db().run.findFirst({ orderBy: { queuedAt: "desc" }, select: { id: true } }))
  );
}

let done = false;
void suiteDone.then(() => (done = true));
while (!done) {
  const t = Date.now();
  const inFlight = await newestRun().catch((e: Error) => {
    appendFileSync(path.join(out, "cli.log"), `${stamp()} newest run: ${e.message.split("\n")[0]}\n`);
    return null;
  });
  await shoot("branches", "/");
  await shoot("hosts", "/hosts");
  if (inFlight) await shoot("run", `/runs/${inFlight.id}`);
  cli(["hosts"]);
  cli(["runs", "--limit", "6"]);
  await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - t))));
}
await browser.close();
process.kill(-web.pid!, "SIGTERM");
await disconnectDb();
const code = await suiteDone;
console.log(`watch-faults: shots and cli.log in ${out}`);
process.exit(code);
