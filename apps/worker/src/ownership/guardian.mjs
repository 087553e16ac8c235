// The worker's guardian: a process of its own (own session) that outlives a worker killed with
// SIGKILL. The worker tells it on stdin, one JSON line each, which attempts it owns
// ({"own": {id, token, cgroup}}) and which ended ({"release": id}). When stdin closes, the
// worker is gone: whatever it still owned is ended at once, so no lane, child or VM outlives it.
import { createInterface } from "node:readline";
import { reapAttempt } from "./reap.mjs";

const owned = new Map();
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  try {
    const msg = JSON.parse(line);
    if (msg.own && typeof msg.own.id === "string" && typeof msg.own.token === "string") owned.set(msg.own.id, msg.own);
    else if (typeof msg.release === "string") owned.delete(msg.release);
  } catch {
    // a torn last line from a dying worker: what was owned before it still counts
  }
});
lines.on("close", async () => {
  for (const attempt of owned.values()) {
    const killed = await reapAttempt(attempt).catch(() => 0);
    process.stderr.write(`[guardian] worker gone: ended attempt ${attempt.id} (${killed} process(es))\n`);
  }
  process.exit(0);
});
