import { disconnectDb } from "@proofboard/db";
import { closeQueues } from "@proofboard/jobs";
import { startWorker } from "./worker";

const worker = await startWorker();
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
