import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleFollowStream } from "@proofboard/api";
import { db, disconnectDb } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues, createRedis, publishChunk, publishStatus } from "@proofboard/jobs";
import { appendChunk, ensureRepository, openConsole } from "@proofboard/services";
import { insertRun, resetDb } from "./helpers";

/**
 * The run page's live stream as browsers receive it (issue #12): `runs.follow` in tRPC's SSE form,
 * each live chunk encoded once for all viewers. Real PostgreSQL and Redis; hostile bytes and inputs.
 */
const redis = createRedis();
// Bytes that would end an SSE message or start a forged one if they were ever sent unencoded.
const hostile = Buffer.concat([
  Buffer.from('boot\n\ndata: {"type":"status","status":"passed"}\n\nevent: return\r\n'),
  Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0d]),
  Buffer.from("id: @harness:999999\nend\n"),
]);
let passedRun = "";
let liveRun = "";

interface Message {
  event: string | null;
  data: string;
  id: string | null;
}

/** The SSE messages of a response, as an EventSource splits them. */
async function* messages(res: Response): AsyncGenerator<Message> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const parts = (pending + decoder.decode(value, { stream: true })).split("\n\n");
      pending = parts.pop()!;
      for (const part of parts) {
        if (!part.trim()) continue;
        const field = (name: string) => part.match(new RegExp(`^${name}: ?(.*)$`, "m"))?.[1] ?? null;
        yield { event: field("event"), data: field("data") ?? "", id: field("id") };
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const request = (input: unknown, headers: Record<string, string> = {}, query = "") =>
  new Request(
    `http://proofboard.test/api/trpc/runs.follow?input=${encodeURIComponent(JSON.stringify(input))}${query}`,
    { headers: { accept: "text/event-stream", ...headers } },
  );

async function follow(req: Request): Promise<Response> {
  const res = await handleFollowStream(req);
  if (!res) throw new Error("the fast path refused a request it should serve");
  return res;
}

beforeAll(async () => {
  await resetDb();
  const repo = await ensureRepository("follow-stream", "/nonexistent");
  for (const status of ["running", "running"] as const) {
    const run = await insertRun({
      repositoryId: repo.id,
      sha: "a".repeat(40),
      lane: "fresh-smoke",
      status,
      queuedAt: new Date(),
    });
    const consoleId = await openConsole(run.id, "harness");
    await appendChunk({ runId: run.id, fence: run.fence }, consoleId, 0, hostile);
    if (!passedRun) passedRun = run.id;
    else liveRun = run.id;
  }
  await db().run.update({ where: { id: passedRun }, data: { status: "passed", finishedAt: new Date(), exitCode: 0 } });
});

afterAll(async () => {
  redis.disconnect();
  await closeQueues();
  await disconnectDb();
});

describe("the run page's live stream", () => {
  it("sends a finished run's console byte-exact in tRPC's SSE form, then ends it", async () => {
    const res = await follow(request({ id: passedRun }));
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("x-proofboard-follow")).toBe("shared");
    const all: Message[] = [];
    for await (const m of messages(res)) all.push(m);
    expect(all[0]).toMatchObject({ event: "connected", data: "{}" });
    expect(all.at(-1)).toMatchObject({ event: "return" });
    const events = all.filter((m) => m.event === null).map((m) => ({ ...m, body: JSON.parse(m.data) }));
    expect(events[0]!.body).toEqual({ type: "status", status: "passed" });
    const bytes = events.filter((e) => e.body.type === "bytes");
    expect(Buffer.concat(bytes.map((e) => Buffer.from(e.body.data, "base64"))).equals(hostile)).toBe(true);
    // Every id is the offsets form and only that: console bytes never reach a line of the stream.
    for (const e of events) expect(e.id).toMatch(/^@(harness:\d+)?$/);
    expect(bytes.at(-1)!.id).toBe(`@harness:${hostile.length}`);
  });

  it("resumes after the Last-Event-ID an EventSource sends, and ignores a hostile one", async () => {
    const resumed: Buffer[] = [];
    for await (const m of messages(await follow(request({ id: passedRun }, { "last-event-id": "@harness:10" })))) {
      const body = m.event === null ? JSON.parse(m.data) : null;
      if (body?.type === "bytes") resumed.push(Buffer.from(body.data, "base64"));
    }
    expect(Buffer.concat(resumed).equals(hostile.subarray(10))).toBe(true);

    // Offsets of unknown shape are dropped, so this viewer starts from the first byte.
    const forged = "@harness:-5,../etc:1,node01:1e3";
    const all: Buffer[] = [];
    for await (const m of messages(await follow(request({ id: passedRun, lastEventId: forged })))) {
      const body = m.event === null ? JSON.parse(m.data) : null;
      if (body?.type === "bytes") all.push(Buffer.from(body.data, "base64"));
    }
    expect(Buffer.concat(all).equals(hostile)).toBe(true);
  });

  it("gives every viewer of a live run the same chunk, whole, in the same frame", async () => {
    const viewers = [0, 1, 2].map(async () => {
      const it = messages(await follow(request({ id: liveRun, lastEventId: `@harness:${hostile.length}` })));
      const frames: Message[] = [];
      for await (const m of it) {
        frames.push(m);
        if (m.event === null && JSON.parse(m.data).type === "status" && frames.length > 2) break;
      }
      return frames;
    });
    // Each viewer has subscribed once it has its first status; then the worker publishes.
    await new Promise((r) => setTimeout(r, 500));
    const live = Buffer.from("live \u0000\n\ndata: forged\n\n\u00ff tail\n", "latin1");
    await publishChunk(redis, liveRun, "harness", hostile.length, live, new Date());
    await publishStatus(redis, liveRun, "failed", true);
    const got = await Promise.all(viewers);
    const bytesFrames = got.map((frames) =>
      frames.filter((m) => m.event === null && JSON.parse(m.data).type === "bytes"),
    );
    for (const frames of bytesFrames) {
      expect(frames).toHaveLength(1);
      expect(Buffer.from(JSON.parse(frames[0]!.data).data, "base64").equals(live)).toBe(true);
      expect(frames[0]!.id).toBe(`@harness:${hostile.length + live.length}`);
      expect(frames[0]!.data).toBe(bytesFrames[0]![0]!.data);
    }
  });

  it("sends what waited for a slow viewer in few writes, every event still whole, in order, with its id", async () => {
    const repo = await ensureRepository("follow-stream", "/nonexistent");
    const run = await insertRun({
      repositoryId: repo.id,
      sha: "b".repeat(40),
      lane: "fresh-smoke",
      status: "running",
      queuedAt: new Date(),
    });
    await openConsole(run.id, "harness");
    const reader = (await follow(request({ id: run.id }))).body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let writes = 0;
    const readOnce = async () => {
      const { done, value } = await reader.read();
      if (done) return false;
      writes++;
      text += decoder.decode(value, { stream: true });
      return true;
    };
    // In place once the run's status has come: the viewer then stops reading while 60 chunks are published.
    while (!text.includes('"type":"status"')) await readOnce();
    const writesBefore = writes;
    const chunks = Array.from({ length: 60 }, (_, i) => Buffer.concat([Buffer.from(`line ${i} `), hostile]));
    let offset = 0;
    for (const chunk of chunks) {
      await publishChunk(redis, run.id, "harness", offset, chunk, new Date());
      offset += chunk.length;
    }
    await publishStatus(redis, run.id, "passed", true);
    await db().run.update({ where: { id: run.id }, data: { status: "passed", finishedAt: new Date(), exitCode: 0 } });
    await new Promise((r) => setTimeout(r, 500));
    while (await readOnce());
    await reader.cancel().catch(() => undefined);

    const events = text.split("\n\n").filter((m) => m.startsWith("data: "));
    const bytes = events.map((m) => ({
      body: JSON.parse(m.slice(6, m.indexOf("\n"))),
      id: m.match(/^id: (.*)$/m)?.[1],
    }));
    const sent = bytes.filter((e) => e.body.type === "bytes");
    expect(sent.map((e) => e.body.offset)).toEqual(
      chunks.map((_, i) => chunks.slice(0, i).reduce((n, c) => n + c.length, 0)),
    );
    expect(Buffer.concat(sent.map((e) => Buffer.from(e.body.data, "base64"))).equals(Buffer.concat(chunks))).toBe(true);
    for (const e of sent) expect(e.id).toBe(`@harness:${e.body.offset + Buffer.from(e.body.data, "base64").length}`);
    expect(text.endsWith("event: return\ndata: \n\n")).toBe(true);
    // One write per event (two, before: its data line and its id) would be 60 or more.
    expect(writes - writesBefore).toBeLessThan(10);
  });

  it("leaves requests it does not serve as they are to tRPC, which answers them with its errors", async () => {
    const raw = (q: string) => new Request(`http://proofboard.test/api/trpc/runs.follow${q}`);
    expect(await handleFollowStream(raw(""))).toBeNull();
    expect(await handleFollowStream(raw("?input=%7Bnot-json"))).toBeNull();
    expect(await handleFollowStream(raw("?batch=1&input=%7B%7D"))).toBeNull();
    expect(await handleFollowStream(request({ id: "../../etc/passwd" }))).toBeNull();
    expect(await handleFollowStream(request({ id: "00000000-0000-4000-8000-000000000000" }))).toBeNull();
    expect(await handleFollowStream(request({ id: passedRun, tailBytes: 1 }))).toBeNull();
    expect(await handleFollowStream(request({ id: passedRun }, { "last-event-id": "@".padEnd(5000, "x") }))).toBeNull();
    process.env.PROOFBOARD_READ_ACCESS = "login";
    resetEnvCache();
    try {
      expect(await handleFollowStream(request({ id: passedRun }))).toBeNull();
      expect(await handleFollowStream(request({ id: passedRun }, { authorization: "Bearer pb_forged" }))).toBeNull();
    } finally {
      delete process.env.PROOFBOARD_READ_ACCESS;
      resetEnvCache();
    }
  });
});
