import { disconnectDb } from "@proofboard/db";
import { closeQueues } from "@proofboard/jobs";
import { startWorker } from "./worker";

const worker = await startWorker().catch((err: unknown) => {
  // e.g. a bad site overlay: its one-line file:line message, not a stack trace
  console.error(`[worker] cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    console.log(`[worker] ${sig}: finishing`);
    void worker
      .stop()
      .then(() => closeQueues())
      .then(() => disconnectDb())
      .finally(() => process.exit(0));
  });
}
