// First: the suite's database, prefix and data folder, before any Proofboard module reads the environment.
import { suitePaths, workerEnv } from "./suite-env";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { disconnectDb } from "@proofboard/db";
import { closeQueues } from "@proofboard/jobs";
import { buildCli } from "../support/cli";
import { recreateDatabase } from "../support/database";
import { Children, scenarioContext } from "./context";
import type { FaultResult, FaultScenario } from "./scenario";
import { scenarios } from "./scenarios";
import { resetFaultData } from "./support";
import { formatTable } from "./table";

/**
 * `pnpm test:faults [--full] [--only id,id]`: each fault for real, one after another, each within
 * its budget; a table of what had to hold and what happened; exit 1 when any did not hold.
 */
const { values } = parseArgs({ options: { full: { type: "boolean", default: false }, only: { type: "string" } } });
const only = values.only
  ?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = only?.filter((id) => !scenarios.some((s) => s.id === id)) ?? [];
if (unknown.length) {
  console.error(`test:faults: no scenario ${unknown.join(", ")}; there are ${scenarios.map((s) => s.id).join(", ")}`);
  process.exit(2);
}
// --only names scenarios outright (a full-only one too); otherwise full-only ones need --full
const chosen = scenarios.filter((s) => (only ? only.includes(s.id) : values.full || !s.full));

interface Outcome extends FaultResult {
  id: string;
  fault: string;
  mustHold: string;
  seconds: number;
}

const started = Date.now();
const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
const children = new Children(workerEnv, (line) => console.log(`${stamp()} ${line}`));
let exiting = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (exiting) return;
    exiting = true;
    console.error(`test:faults: ${sig}, stopping every worker it started`);
    void children.stopAll().finally(() => process.exit(130));
  });
}

async function runScenario(s: FaultScenario): Promise<Outcome> {
  const t0 = Date.now();
  const budget = new AbortController();
  const log = (line: string) => console.log(`${stamp()} [${s.id}] ${line}`);
  log(`${s.fault} (budget ${s.budgetSeconds} s)`);
  let timer: NodeJS.Timeout | undefined;
  try {
    await resetFaultData(workerEnv.PROOFBOARD_REDIS_PREFIX!, workerEnv.REDIS_URL!);
    const ctx = scenarioContext({
      env: workerEnv,
      full: values.full,
      targetName: workerEnv.PROOFBOARD_TARGET_NAME!,
      signal: budget.signal,
      children,
      log,
    });
    const overBudget = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        budget.abort();
        reject(new Error(`did not finish within its budget of ${s.budgetSeconds} s`));
      }, s.budgetSeconds * 1000);
    });
    const result = await Promise.race([s.run(ctx), overBudget]);
    return { ...result, id: s.id, fault: s.fault, mustHold: s.mustHold, seconds: (Date.now() - t0) / 1000 };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`failed: ${message}`);
    return {
      ok: false,
      happened: `error: ${message.split("\n")[0]}`,
      recoverySeconds: null,
      id: s.id,
      fault: s.fault,
      mustHold: s.mustHold,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    clearTimeout(timer);
    budget.abort();
    await children.stopAll();
  }
}

const outcomes: Outcome[] = [];
try {
  await recreateDatabase(workerEnv.DATABASE_URL!);
  buildCli();
  rmSync(suitePaths.dataDir, { recursive: true, force: true });
  mkdirSync(suitePaths.dataDir, { recursive: true });
  for (const s of chosen) {
    const o = await runScenario(s);
    console.log(`${stamp()} [${s.id}] ${o.ok ? "held" : "DID NOT HOLD"}: ${o.happened}`);
    outcomes.push(o);
  }
} finally {
  await children.stopAll();
  await closeQueues().catch(() => undefined);
  await disconnectDb().catch(() => undefined);
}

const rows = outcomes.map((o) => [
  o.fault,
  o.mustHold,
  o.happened,
  o.recoverySeconds === null ? "—" : o.recoverySeconds.toFixed(1),
  o.ok ? "ok" : "FAIL",
]);
console.log(
  `\nFault suite${values.full ? " (full)" : ""}: ${chosen.length} scenario(s) in ${Math.round((Date.now() - started) / 1000)} s\n`,
);
console.log(
  formatTable(["fault", "what must hold", "what happened", "s to recovery", "ok"], rows, [24, 44, 60, 13, 4]),
);
const failed = outcomes.filter((o) => !o.ok).length;
console.log(`\n${outcomes.length - failed} held, ${failed} did not`);

const resultsDir = path.join(suitePaths.root, ".proofboard", "test-results");
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  path.join(resultsDir, "faults.json"),
  `${JSON.stringify({ full: values.full, startedAt: new Date(started).toISOString(), passed: outcomes.length - failed, failed, scenarios: outcomes }, null, 2)}\n`,
);
process.exit(failed > 0 || outcomes.length === 0 ? 1 : 0);
