/**
 * A stand-in worker process for ownership tests: owns one attempt, starts a lane-like tree in it
 * (a child that calls setsid and one that stays in the group), prints their pids as JSON, then
 * waits to be killed. Argv: workDir, attemptId, cgroup setting ("off" or "" to detect).
 */
import { spawn } from "node:child_process";
import { Ownership } from "../../apps/worker/src/ownership/attempt";

const [workDir, attemptId, setting] = process.argv.slice(2) as [string, string, string];
const { ownership } = await Ownership.start({ workDir, cgroupSetting: setting || undefined, log: () => undefined });
const owner = await ownership.attempt(attemptId);
const script =
  "setsid sleep 1001 </dev/null >/dev/null 2>&1 & echo $!; sleep 1002 </dev/null >/dev/null 2>&1 & echo $!; wait";
const [cmd, ...args] = owner.wrap(["/bin/sh", "-c", script]) as [string, ...string[]];
const lane = spawn(cmd, args, {
  detached: true,
  env: { ...process.env, ...owner.env },
  stdio: ["ignore", "pipe", "inherit"],
});
let out = "";
lane.stdout.on("data", (d: Buffer) => {
  out += d.toString();
  const pids = out.split("\n").filter(Boolean).map(Number);
  if (pids.length === 2)
    process.stdout.write(`${JSON.stringify({ lane: lane.pid, children: pids, mode: ownership.mode })}\n`);
});
setInterval(() => undefined, 1 << 30);
