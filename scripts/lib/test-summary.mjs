// Adds up vitest's JSON reports (and the fault suite's faults.json) into the one closing line CI reads:
// "N passed, N failed". Failed tests are named above it with the start of their error, because CI
// records only the end of the log and a long suite's own report has scrolled far out of it by then.
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, "utf8"));
  // tests/faults/run.ts: one entry per fault scenario, each held or not
  if (Array.isArray(r.scenarios)) {
    passed += r.scenarios.filter((s) => s.ok).length;
    failed += r.scenarios.filter((s) => !s.ok).length;
    for (const s of r.scenarios.filter((s) => !s.ok)) failures.push([`fault ${s.id}`, s.happened ?? ""]);
    continue;
  }
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  for (const suite of r.testResults ?? []) {
    const where = relative(process.cwd(), suite.name);
    const tests = (suite.assertionResults ?? []).filter((t) => t.status === "failed");
    for (const t of tests) failures.push([`${where} > ${t.fullName}`, (t.failureMessages ?? []).join("\n")]);
    // A file that failed outside any test (an import error, a hook) has no failed test to name.
    if (suite.status === "failed" && tests.length === 0) failures.push([where, suite.message ?? ""]);
  }
}
for (const [name, message] of failures) {
  console.log(`FAILED ${name}`);
  const lines = message.split("\n").filter((line) => !line.includes("node_modules") && !line.includes("(<anonymous>)"));
  for (const line of lines.slice(0, 10)) console.log(`    ${line}`);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
