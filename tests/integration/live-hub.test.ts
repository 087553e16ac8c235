import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import {
  createRedis,
  GATHER_VIEWERS,
  LiveHub,
  liveKey,
  publishChunk,
  publishStatus,
  type LiveEntry,
} from "@proofboard/jobs";

const redis = createRedis();

afterAll(() => {
  redis.disconnect();
});

/** Each test's hub names its connections apart, so Redis's own count of them can be checked. */
const NAME = `pb-live-hub-test-${process.pid}`;

/** Connections Redis has open under the test hubs' name. */
async function hubConnections(): Promise<number> {
  const list = (await redis.client("LIST")) as string;
  return list.split("\n").filter((l) => l.includes(` name=${NAME} `)).length;
}

const chunk = (runId: string, text: string, offset: number) =>
  publishChunk(redis, runId, "harness", offset, Buffer.from(text), new Date());
const texts = (entries: LiveEntry[]) =>
  entries.map((e) =>
    e.event.type === "chunk"
      ? e.event.data.toString()
      : e.event.type === "status"
        ? `status:${e.event.status}`
        : e.event.type,
  );

/** Reads until `n` entries arrived (or 10 s passed). */
async function readN(sub: { read(ms: number): Promise<LiveEntry[]> }, n: number): Promise<LiveEntry[]> {
  const got: LiveEntry[] = [];
  const until = Date.now() + 10_000;
  while (got.length < n && Date.now() < until) got.push(...(await sub.read(500)));
  return got;
}

describe("the live hub", () => {
  it("serves many viewers of many runs over two Redis connections, each its own run's entries in order", async () => {
    const hub = new LiveHub(NAME);
    const [a, b] = [randomUUID(), randomUUID()];
    const viewersA = Array.from({ length: 30 }, () => hub.subscribe(a, "0-0"));
    const viewersB = Array.from({ length: 20 }, () => hub.subscribe(b, "0-0"));
    for (let i = 0; i < 5; i++) {
      await chunk(a, `a${i}`, i * 2);
      await chunk(b, `b${i}`, i * 2);
    }
    await publishStatus(redis, a, "passed");
    for (const v of viewersA) expect(texts(await readN(v, 6))).toEqual(["a0", "a1", "a2", "a3", "a4", "status:passed"]);
    for (const v of viewersB) expect(texts(await readN(v, 5))).toEqual(["b0", "b1", "b2", "b3", "b4"]);
    expect(await hubConnections()).toBe(2);
    for (const v of [...viewersA, ...viewersB]) v.close();
    hub.close();
  });

  it("gives a crowded run's viewers its chunks joined, every byte once and in order, with when each was stored", async () => {
    const hub = new LiveHub(NAME);
    const run = randomUUID();
    const viewers = Array.from({ length: GATHER_VIEWERS }, () => hub.subscribe(run, "0-0"));
    try {
      await new Promise((r) => setTimeout(r, 200));
      // As a worker flushes a console printing fast: a chunk every 10 ms, hostile bytes in them.
      const parts = Array.from({ length: 30 }, (_, i) => `${i}:\u0000\n\ndata: x\r\n`);
      let offset = 0;
      for (const p of parts) {
        await chunk(run, p, offset);
        offset += Buffer.byteLength(p);
        await new Promise((r) => setTimeout(r, 10));
      }
      await publishStatus(redis, run, "passed");
      for (const v of viewers) {
        const got: LiveEntry[] = [];
        const until = Date.now() + 10_000;
        while (!got.some((e) => e.event.type === "status") && Date.now() < until) got.push(...(await v.read(500)));
        const chunks = got.flatMap((e) => (e.event.type === "chunk" ? [e.event] : []));
        expect(Buffer.concat(chunks.map((c) => c.data)).toString()).toBe(parts.join(""));
        // Fewer, larger events than chunks published; each joined one says where its pieces began.
        expect(chunks.length).toBeLessThan(parts.length / 2);
        const starts = chunks.flatMap((c) => (c.marks ?? [[c.offset, c.at]]).map(([o]) => o));
        expect(starts).toEqual(parts.map((_, i) => parts.slice(0, i).reduce((n, p) => n + Buffer.byteLength(p), 0)));
      }
    } finally {
      for (const v of viewers) v.close();
      hub.close();
    }
  });

  it("gives a viewer who joins behind the hub the entries in between first, then live ones, each once", async () => {
    const hub = new LiveHub(NAME);
    const run = randomUUID();
    const first = hub.subscribe(run, "0-0");
    for (let i = 0; i < 3; i++) await chunk(run, `x${i}`, i);
    const seen = await readN(first, 3);
    // A second viewer that had only the first entry (from storage, say) joins now.
    const late = hub.subscribe(run, seen[0]!.id);
    await chunk(run, "x3", 3);
    expect(texts(await readN(late, 3))).toEqual(["x1", "x2", "x3"]);
    expect(texts(await first.read(2000))).toEqual(["x3"]);
    // One already at the newest entry waits for what comes next.
    const newest = (await redis.xrevrange(liveKey(run), "+", "-", "COUNT", 1))[0]![0];
    const ahead = hub.subscribe(run, newest);
    expect(await ahead.read(300)).toEqual([]);
    await chunk(run, "x4", 4);
    expect(texts(await readN(ahead, 1))).toEqual(["x4"]);
    for (const s of [first, late, ahead]) s.close();
    hub.close();
  });

  it("takes in a newly watched run while blocked on others, without waiting out the block", async () => {
    const hub = new LiveHub(NAME);
    const idle = hub.subscribe(randomUUID(), "0-0");
    await new Promise((r) => setTimeout(r, 300)); // the reader is now blocked on the idle run alone
    const run = randomUUID();
    const viewer = hub.subscribe(run, "0-0");
    await new Promise((r) => setTimeout(r, 100));
    await chunk(run, "hello", 0);
    const started = Date.now();
    expect(texts(await viewer.read(4000))).toEqual(["hello"]);
    // Well inside the reader's 5 s block: CLIENT UNBLOCK cut it short.
    expect(Date.now() - started).toBeLessThan(4000);
    idle.close();
    viewer.close();
    hub.close();
  });

  it("closes its connections a few seconds after the last viewer leaves, and opens them again on demand", async () => {
    const hub = new LiveHub(NAME);
    const run = randomUUID();
    hub.subscribe(run, "0-0").close();
    expect(hub.connections).toBe(2);
    await expect.poll(() => hub.connections, { timeout: 10_000, interval: 200 }).toBe(0);
    await expect.poll(hubConnections, { timeout: 5_000, interval: 200 }).toBe(0);
    const again = hub.subscribe(run, "0-0");
    await chunk(run, "back", 0);
    expect(texts(await readN(again, 1))).toEqual(["back"]);
    again.close();
    hub.close();
  });
});
