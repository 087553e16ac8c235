import { describe, expect, it } from "vitest";
import type { LiveEntry } from "./live";
import { joinChunks, LiveSubscription } from "./live-hub";

const chunk = (seq: number, bytes: number, offset = (seq - 1) * bytes): LiveEntry => ({
  id: `1000-${seq}`,
  event: { type: "chunk", console: "node01", offset, data: Buffer.alloc(bytes, 0x61), at: 1000 },
});
const status = (seq: number, value: string): LiveEntry => ({
  id: `1000-${seq}`,
  event: { type: "status", status: value },
});

describe("a viewer's live queue", () => {
  it("holds at most its byte budget, dropping the oldest chunks and never a status", async () => {
    const sub = new LiveSubscription("run", "0-0", () => undefined, 10_000);
    sub.deliver([chunk(1, 4000), status(2, "running"), chunk(3, 4000, 4000), chunk(4, 4000, 8000)]);
    sub.deliver([chunk(5, 4000, 12_000), status(6, "passed")]);
    const got = await sub.read(0);
    expect(got.map((e) => e.id)).toEqual(["1000-2", "1000-4", "1000-5", "1000-6"]);
    expect(sub.droppedBytes).toBe(8000);
    // What it kept starts past the dropped bytes: the follower reads offsets 0..8000 from storage.
    expect(got.find((e) => e.event.type === "chunk")?.event).toMatchObject({ offset: 8000 });
  });

  it("starts counting again once read, and keeps every entry while under budget", async () => {
    const sub = new LiveSubscription("run", "0-0", () => undefined, 10_000);
    sub.deliver([chunk(1, 9000)]);
    expect((await sub.read(0)).length).toBe(1);
    sub.deliver([chunk(2, 9000, 9000)]);
    expect((await sub.read(0)).map((e) => e.id)).toEqual(["1000-2"]);
    expect(sub.droppedBytes).toBe(0);
  });
});

describe("joining a crowded run's chunks", () => {
  it("joins chunks of one console that follow each other in its bytes, and says where each began and when", () => {
    const at = (e: LiveEntry, t: number): LiveEntry => ({ ...e, event: { ...e.event, at: t } as LiveEntry["event"] });
    const other: LiveEntry = {
      id: "1000-9",
      event: { type: "chunk", console: "node02", offset: 20, data: Buffer.from("x"), at: 5 },
    };
    const joined = joinChunks([
      at(chunk(1, 10), 1),
      at(chunk(2, 10), 2),
      status(3, "running"),
      at(chunk(4, 10, 20), 4),
      other,
      at(chunk(5, 10, 40), 6), // not next to 20..30: a gap the follower refills from storage
    ]);
    expect(joined.map((e) => e.id)).toEqual(["1000-2", "1000-3", "1000-4", "1000-9", "1000-5"]);
    expect(joined[0]!.event).toMatchObject({
      offset: 0,
      at: 1,
      marks: [
        [0, 1],
        [10, 2],
      ],
    });
    expect((joined[0]!.event as { data: Buffer }).data.length).toBe(20);
    expect(joined[2]!.event).not.toHaveProperty("marks");
    // A chunk joined again keeps the marks it had.
    const again = joinChunks([joined[0]!, at(chunk(3, 10, 20), 3)]);
    expect(again[0]!.event).toMatchObject({
      offset: 0,
      marks: [
        [0, 1],
        [10, 2],
        [20, 3],
      ],
    });
  });
});
