import { disconnectDb } from "@proofboard/db";
import { env } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { logger } from "@proofboard/services";
import { startWorker } from "./worker";

const worker = await startWorker().catch((err: unknown) => {
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
      .stop({ drainMs: drainSeconds * 1000 })
      .then(() => closeQueues())
      .then(() => disconnectDb())
      .finally(() => process.exit(0));
  });
}
