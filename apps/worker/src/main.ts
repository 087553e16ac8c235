import { disconnectDb } from "@proofboard/db";
import { env } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { logger } from "@proofboard/services";
import { startWorker } from "./worker";

// Signals are handled from the first moment: a worker takes lanes while it is still starting (its
// queues open before the control queue and the sync), and a SIGTERM then must hand them back, not
// kill the process with them.
const worker = startWorker().catch((err: unknown) => {
  // e.g. a bad site overlay: its one-line file:line message, not a stack trace
  logger("worker").error("cannot start", { err });
  process.exit(1);
});
let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    // SIGTERM (a service manager) drains; SIGINT (Ctrl-C in a terminal) hands lanes back at once.
    const drainSeconds = sig === "SIGTERM" ? env().PROOFBOARD_DRAIN_SECONDS : 0;
    logger("worker").info(
      `${sig}: taking no new lanes; running ones get ${drainSeconds} s to finish, then go back to the queue`,
      { signal: sig, drainSeconds },
    );
    void worker
      .then((w) => w.stop({ drainMs: drainSeconds * 1000 }))
      .then(() => closeQueues())
      .then(() => disconnectDb())
      .finally(() => process.exit(0));
  });
}
await worker;
