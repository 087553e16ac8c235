import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "@proofboard/db";
import { closeQueues } from "@proofboard/jobs";
import {
  consoleBytes,
  ensureRepository,
  followRun,
  requestRun,
  runById,
  syncRepository,
  type FollowEvent,
} from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { catalogYaml, makeRepo, resetDb, waitFor } from "./helpers";

/**
 * A viewer too slow for a live console (issue #12): with `skipBehind` (the run page) it is moved
 * ahead to where the live bytes are and told exactly which bytes it skipped, numbered; without it
 * (the CLI, downloads) it gets every byte, however slowly. Real worker, PostgreSQL, Redis and git;
 * the viewer is slow because it reads its stream slowly, as a page on a slow link does.
 */
let worker: RunningWorker;

// "ready", a pause to let the viewer join, then ~32 MiB of numbered lines as fast as the worker takes them.
const script = `const block = (k) => { let s = ""; for (let i = 0; s.length < 1 << 20; i++) s += "burst " + k + " line " + i + "\\n"; return s; };
process.stdout.write("ready\\n");
let k = 0;
const next = () => (k < 32 ? process.stdout.write(block(k++), next) : undefined);
setTimeout(next, 1500);
`;

const newlinesIn = (b: Buffer) => {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
};

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([{ name: "burst", command: ["node", "lanes/burst.cjs"], timeoutSeconds: 120 }]),
    "lanes/burst.cjs": script,
  });
  await syncRepository(await ensureRepository("itest", target.dir));
  worker = await startWorker({ hostName: "skip-host", control: false, slots: 1, log: () => undefined });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

/** Follows a fresh run of the burst lane, reading each event `delayMs` late while the run lasts. */
async function slowFollow(skipBehind: boolean, delayMs: number) {
  const run = await requestRun({ repository: "itest", branch: "main", lane: "burst" });
  await waitFor("the lane to start", async () => (await runById(run.id)).status === "running", 60_000);
  const events: FollowEvent[] = [];
  let ended = false;
  for await (const ev of followRun(run.id, {}, undefined, { skipBehind })) {
    events.push(ev);
    if (ev.kind === "status" && !["queued", "running"].includes(ev.status)) ended = true;
    if (!ended && ev.kind === "bytes") await new Promise((r) => setTimeout(r, delayMs));
  }
  const parts: Buffer[] = [];
  for await (const b of consoleBytes(run.id, "harness")) parts.push(b);
  return { run: await runById(run.id), events, stored: Buffer.concat(parts) };
}

/** Walks the harness's events in order: bytes and skips must tile the console with no gap and no overlap. */
function tile(events: FollowEvent[], stored: Buffer) {
  let at = 0;
  const skips: { from: number; to: number }[] = [];
  for (const ev of events) {
    if (ev.kind === "bytes" && ev.console === "harness") {
      expect(ev.offset).toBe(at);
      expect(ev.data.equals(stored.subarray(at, at + ev.data.length))).toBe(true);
      at += ev.data.length;
    } else if (ev.kind === "skipped" && ev.console === "harness") {
      expect(ev.from).toBe(at);
      expect(ev.to).toBeGreaterThan(ev.from);
      // numbered from where it resumes, so line numbers stay the console's own
      expect(ev.newlinesBefore).toBe(newlinesIn(stored.subarray(0, ev.to)));
      skips.push({ from: ev.from, to: ev.to });
      at = ev.to;
    }
  }
  expect(at).toBe(stored.length);
  return skips;
}

describe("a viewer slower than its console", () => {
  it("is moved ahead with skipBehind, told exactly what it skipped, and gets every other byte once", async () => {
    const { run, events, stored } = await slowFollow(true, 400);
    expect(run.status).toBe("passed");
    expect(stored.length).toBeGreaterThan(32 << 20);
    const skips = tile(events, stored);
    expect(skips.length).toBeGreaterThan(0);
    const skipped = skips.reduce((n, s) => n + s.to - s.from, 0);
    expect(skipped).toBeGreaterThan(4 << 20);
  }, 180_000);

  it("gets every byte without skipBehind, however slowly it reads", async () => {
    const { run, events, stored } = await slowFollow(false, 200);
    expect(run.status).toBe("passed");
    expect(tile(events, stored)).toEqual([]);
  }, 180_000);
});
