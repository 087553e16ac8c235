import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "@proofboard/db";
import { repoRoot } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { consoleBytes, ensureRepository, requestRun, runById, syncRepository } from "@proofboard/services";
import { makeRepo, resetDb, waitFor } from "./helpers";
import { stopChild } from "../support/processes";

/**
 * A lane that prints far faster than PostgreSQL stores, on a worker whose spool holds a fraction of
 * it (issue #12): the worker reads the lane's pipe and its serial log only as fast as storage takes
 * them, so the run passes and every console is stored whole, instead of the spool filling and the
 * run ending in error. The worker is a real process with PROOFBOARD_SPOOL_BYTES of 8 MiB.
 */
const STDOUT_MIB = 64;
const SERIAL_MIB = 24;
const SPOOL_BYTES = 8 << 20;

/** numbered lines in 1 MiB blocks; each block waits for the pipe, so the lane goes exactly as fast as it is read */
const laneScript = `const fs = require("fs");
const block = (k, tag) => {
  let s = "";
  for (let i = 0; s.length < (1 << 20) - 64; i++) s += tag + " block " + k + " line " + i + " \\x1b[32mok\\x1b[0m\\n";
  return Buffer.from(s.padEnd(1 << 20, "."));
};
fs.mkdirSync("work/serial", { recursive: true });
for (let k = 0; k < ${SERIAL_MIB}; k++) fs.appendFileSync("work/serial/node01.log", block(k, "serial"));
let k = 0;
const next = () => (k < ${STDOUT_MIB} ? process.stdout.write(block(k++, "stdout"), next) : undefined);
next();
`;
const catalog = `version: 1
name: backpressure
lanes:
  - name: flood
    description: prints faster than storage
    command: [node, lanes/flood.cjs]
    group: publishable
    host: tcg
    timeoutSeconds: 300
    serialLogs: "work/serial/*.log"
gates: []
`;

const dataDir = path.join(process.env.PROOFBOARD_DATA_DIR!, "backpressure");
const hostName = "backpressure-host";
let worker: ChildProcess | undefined;
const workerLog: string[] = [];

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
async function stored(runId: string, name: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of consoleBytes(runId, name)) parts.push(b);
  return Buffer.concat(parts);
}
/** what the lane script prints for `tag`, computed here the same way */
function expected(tag: string, blocks: number): Buffer {
  const out: Buffer[] = [];
  for (let k = 0; k < blocks; k++) {
    let s = "";
    for (let i = 0; s.length < (1 << 20) - 64; i++) s += `${tag} block ${k} line ${i} \x1b[32mok\x1b[0m\n`;
    out.push(Buffer.from(s.padEnd(1 << 20, ".")));
  }
  return Buffer.concat(out);
}

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({ "proofboard.yaml": catalog, "lanes/flood.cjs": laneScript });
  await syncRepository(await ensureRepository("itest", target.dir));
  worker = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), ["apps/worker/src/main.ts"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PROOFBOARD_DATA_DIR: dataDir,
      PROOFBOARD_HOST_NAME: hostName,
      PROOFBOARD_WORKER_SLOTS: "1",
      PROOFBOARD_SPOOL_BYTES: String(SPOOL_BYTES),
      PROOFBOARD_LOG_FORMAT: "text",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [worker.stdout!, worker.stderr!]) {
    stream.on("data", (d: Buffer) => workerLog.push(...d.toString().split("\n").filter(Boolean)));
  }
}, 60_000);

afterAll(async () => {
  await stopChild(worker);
  await closeQueues();
  await disconnectDb();
});

describe("a lane faster than storage", () => {
  it(
    `waits on its pipe: ${STDOUT_MIB + SERIAL_MIB} MiB through an ${SPOOL_BYTES >> 20} MiB spool, stored whole, run passed`,
    { timeout: 280_000 },
    async () => {
      try {
        const run = await requestRun({ repository: "itest", branch: "main", lane: "flood" });
        const ended = await waitFor(
          "the flood run to end",
          async () => {
            const r = await runById(run.id);
            return ["queued", "running"].includes(r.status) ? null : r;
          },
          240_000,
        );
        expect({ status: ended.status, reason: ended.reason }).toEqual({ status: "passed", reason: null });
        const harness = await stored(run.id, "harness");
        const want = expected("stdout", STDOUT_MIB);
        expect(harness.length).toBe(want.length);
        expect(sha(harness)).toBe(sha(want));
        const serial = await stored(run.id, "node01");
        expect(serial.length).toBe(SERIAL_MIB << 20);
        expect(sha(serial)).toBe(sha(expected("serial", SERIAL_MIB)));
        expect(workerLog.some((l) => /spool is full/.test(l))).toBe(false);
      } catch (err) {
        console.error(`worker log (last 40 lines):\n${workerLog.slice(-40).join("\n")}`);
        throw err;
      }
    },
  );
});
