import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues } from "@proofboard/jobs";
import {
  ensureRepository,
  followRun,
  readConsole,
  requestRun,
  runById,
  syncRepository,
  branchView,
  branchByName,
} from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { catalogYaml, makeRepo, resetDb, waitFor } from "./helpers";
import { operatorCaller } from "../support/callers";

/** Bytes that break naive text handling: NUL, invalid UTF-8, a split multibyte char, escapes. */
const HOSTILE_BYTES = [
  Buffer.from("start\n"),
  Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80]),
  Buffer.from("€").subarray(0, 1),
  Buffer.from("€").subarray(1),
  Buffer.from("\x1b]52;c;cHduZWQ=\x07\x1b[31mred\x1b[0m\x1b]8;;javascript:alert(1)\x07link\x1b]8;;\x07\r\n"),
  Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
  Buffer.from("end\n"),
];

const bytesScript = `
const parts = ${JSON.stringify(HOSTILE_BYTES.map((b) => b.toString("base64")))};
let i = 0;
const next = () => {
  if (i === parts.length) return;
  process.stdout.write(Buffer.from(parts[i++], "base64"), () => setTimeout(next, 30));
};
next();
`;

const slowScript = `#!/bin/bash
sleep 300 &
echo $! > "$PIDFILE_DIR/child.pid"
echo "started child $!"
sleep 300
`;

let worker: RunningWorker;
let target: ReturnType<typeof makeRepo>;

beforeAll(async () => {
  await resetDb();
  target = makeRepo({
    "proofboard.yaml": catalogYaml(
      [
        { name: "hello", command: ["bash", "lanes/hello.sh"] },
        { name: "bytes", command: ["node", "lanes/bytes.cjs"] },
        { name: "fails", command: ["bash", "-c", "echo broken >&2; exit 3"] },
        { name: "slow", command: ["bash", "lanes/slow.sh"], timeoutSeconds: 2 },
      ],
      ["hello", "bytes"],
    ),
    "lanes/hello.sh": "#!/bin/bash\necho hello from $PROOFBOARD_LANE\necho to stderr >&2\n",
    "lanes/bytes.cjs": bytesScript,
    "lanes/slow.sh": slowScript.replace("$PIDFILE_DIR", "/tmp/pb-slow-lane"),
  });
  const repo = await ensureRepository("itest", target.dir);
  await syncRepository(repo);
  worker = await startWorker({ hostName: "itest-host", control: false, slots: 2, log: () => undefined });
});

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

async function runToEnd(lane: string, branch = "main") {
  const run = await requestRun({ repository: "itest", branch, lane });
  expect(run.status).toBe("queued");
  return waitFor(`run ${lane} to end`, async () => {
    const r = await runById(run.id);
    return ["queued", "running"].includes(r.status) ? null : r;
  });
}

describe("rerun → worker → chunks → status", () => {
  it("runs a lane on the head commit, stores its harness console and passes", async () => {
    const run = await runToEnd("hello");
    expect(run.status).toBe("passed");
    expect(run.exitCode).toBe(0);
    expect(run.commitSha).toBe(target.git("rev-parse", "main"));
    const { data } = await readConsole(run.id, "harness");
    expect(data.toString()).toContain("hello from hello\n");
    expect(data.toString()).toContain("to stderr\n");
  });

  it("stores and replays hostile console bytes byte for byte, live and from storage", async () => {
    const run = await runToEnd("bytes");
    expect(run.status).toBe("passed");
    const expected = Buffer.concat(HOSTILE_BYTES);
    const stored = await readConsole(run.id, "harness");
    expect(stored.data.equals(expected)).toBe(true);

    const replayed: Buffer[] = [];
    for await (const ev of followRun(run.id, {})) if (ev.kind === "bytes") replayed.push(ev.data);
    expect(Buffer.concat(replayed).equals(expected)).toBe(true);

    const resumed: Buffer[] = [];
    for await (const ev of followRun(run.id, { harness: 100 })) if (ev.kind === "bytes") resumed.push(ev.data);
    expect(Buffer.concat(resumed).equals(expected.subarray(100))).toBe(true);

    // Through the tRPC subscription, as a browser reconnecting with its last event id does.
    const caller = await operatorCaller("test");
    const decoded: Buffer[] = [];
    let lastId = "";
    // A server-side caller yields the raw tracked envelope [id, data] (typed as {id, data}).
    for await (const ev of await caller.runs.follow({ id: run.id, lastEventId: "@harness:4000" })) {
      const [id, data] = ev as unknown as [string, typeof ev.data];
      lastId = id;
      if (data.type === "bytes") decoded.push(Buffer.from(data.data, "base64"));
    }
    expect(Buffer.concat(decoded).equals(expected.subarray(4000))).toBe(true);
    expect(lastId).toBe(`@harness:${expected.length}`);
  });

  it("a failing lane ends failed with its exit code, as a test failure", async () => {
    const run = await runToEnd("fails");
    expect(run.status).toBe("failed");
    expect(run.failureKind).toBe("test");
    expect(run.exitCode).toBe(3);
  });

  it("a lane past its timeout ends timed out with its whole process tree gone", async () => {
    const run = await runToEnd("slow");
    expect(run.status).toBe("timed_out");
    expect(run.failureKind).toBe("timeout");
    const pid = Number(readFileSync("/tmp/pb-slow-lane/child.pid", "utf8"));
    await waitFor("the lane's child to be gone", async () => !existsSync(path.join("/proc", String(pid))), 10_000);
  });

  it("readiness follows the runs: the release gate turns green on the head commit", async () => {
    const repo = await db().repository.findUniqueOrThrow({ where: { name: "itest" } });
    const view = await branchView(repo, await branchByName(repo, "main"));
    expect(view.readiness?.releaseReady).toBe(true);
    target.commit({ CHANGELOG: "next\n" }, "a newer commit");
    await syncRepository(repo);
    const after = await branchView(repo, await branchByName(repo, "main"));
    expect(after.readiness?.releaseReady).toBe(false);
    expect(after.readiness?.missing).toEqual(["hello", "bytes"]);
    expect(after.readiness?.lanes.hello?.stalePass).not.toBeNull();
  });
});
