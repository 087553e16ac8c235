/**
 * The web's own services in a process connected as a member of proofboard_web (DATABASE_URL),
 * for tests/integration/worker-db-roles.test.ts: what the web does must need no table ownership.
 * Prints one JSON line with what it did.
 */
import { randomUUID } from "node:crypto";
import { createUser, login, userForToken } from "@proofboard/auth";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues } from "@proofboard/jobs";
import {
  cancelRun,
  compactFinishedConsoles,
  dropExpiredConsoles,
  markLostRuns,
  readConsole,
  recordAuditEvent,
  recordReadinessChanges,
  requestRun,
} from "@proofboard/services";

const [staleRunId] = process.argv.slice(2);
const name = `web-role-${randomUUID().slice(0, 8)}`;
const password = "a long enough password";
await createUser({ name, password, role: "operator" });
const session = await login(name, password);
const user = await userForToken(session);
// A run of another worker's dead host: the web's reconciler ends it as lost and queues its retry.
const { lost, retried } = await markLostRuns(5);
const requested = await requestRun({ repository: "itest", branch: "main", lane: "first", requestedBy: name });
const canceled = [];
for (const id of [requested.id, ...retried]) canceled.push((await cancelRun(id, name)).status);
await recordAuditEvent({
  actor: name,
  userId: user?.id ?? null,
  role: "operator",
  address: "test",
  action: "runs.cancel",
  runId: requested.id,
  outcome: "ok",
});
const audited = await db().auditEvent.count({ where: { actor: name } });
// The readiness recorder appends to readiness_change (its id from a sequence).
const recorded = (await recordReadinessChanges()).recorded.length;
const consoleText = staleRunId ? (await readConsole(staleRunId, "harness")).data.toString() : "";
// Console storage: compaction rewrites chunks, retention drops partitions through its function.
const compacted = (await compactFinishedConsoles(100, 0)).consoles;
const dropped = (await dropExpiredConsoles(new Date(Date.now() + 4000 * 86_400_000))).length;
console.log(
  JSON.stringify({
    user: user?.name ?? null,
    lost,
    retried,
    canceled,
    audited,
    consoleText,
    recorded,
    compacted,
    dropped,
  }),
);
await closeQueues();
await disconnectDb();
