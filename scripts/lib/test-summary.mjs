// Adds up vitest's JSON reports (and the fault suite's faults.json) into the one closing line CI reads: "N passed, N failed".
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, "utf8"));
  // tests/faults/run.ts: one entry per fault scenario, each held or not
  if (Array.isArray(r.scenarios)) {
    passed += r.scenarios.filter((s) => s.ok).length;
    failed += r.scenarios.filter((s) => !s.ok).length;
    continue;
  }
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
