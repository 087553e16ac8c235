import { createHash } from "node:crypto";
import http from "node:http";

export interface FollowerResult {
  /** SHA-256 of the base64 of every bytes event, as received, one after another */
  encodedSha256: string;
  /** the console offset each bytes event started at: with `bytes`, where the base64 was cut */
  cuts: number[];
  bytes: number;
  /** ms from a line's printing (its `t=<epoch ms>` prefix) to its event's arrival: each event's first whole line */
  latencies: number[];
  /** anything that breaks byte-exactness: a gap, a duplicate, a skip */
  faults: string[];
}

const BYTES_HEAD = /^\{"type":"bytes","console":"([a-z0-9._-]+)","offset":(\d+),"data":"/;
const NL = 10;
const QUOTE = 34;

/** Where `prefix` starts a line of `message`, or -1. */
function lineStarting(message: Buffer, prefix: string): number {
  if (message.toString("latin1", 0, prefix.length) === prefix) return 0;
  const at = message.indexOf(`\n${prefix}`);
  return at < 0 ? -1 : at + 1;
}

/**
 * One follower of a run's console over the run page's own subscription (tRPC over SSE, as a
 * browser's EventSource reads it), from its first byte to the run's end, every byte kept.
 *
 * It reads the socket's bytes with node:http and finds events and their base64 in them without
 * making strings of whole reads: 200 followers receive ~270 MB/s of base64 between them on the
 * same two cores as the web, and a follower that spends its CPU on fetch's web streams and text
 * decoding (as the first version of this file did, taking 90% of a core) makes this process, not
 * the server, what the figures measure.
 */
export function follow(
  url: string,
  cookie: string,
  runId: string,
  consoleName: string,
  /** called once the stream has sent its first event: this follower is in place */
  onReady: () => void = () => undefined,
): Promise<FollowerResult> {
  const input = encodeURIComponent(JSON.stringify({ id: runId, skipBehind: false }));
  const hash = createHash("sha256");
  const out: FollowerResult = { encodedSha256: "", cuts: [], bytes: 0, latencies: [], faults: [] };
  let atLineStart = true;

  const onData = (message: Buffer, from: number, arrived: number): void => {
    onReady();
    const end = message.indexOf(NL, from);
    const stop = end < 0 ? message.length : end;
    const head = BYTES_HEAD.exec(message.toString("latin1", from, Math.min(stop, from + 200)));
    if (!head) {
      const ev = JSON.parse(message.toString("utf8", from, stop)) as { type: string; offset?: number };
      if (ev.type === "skipped" || ev.type === "start") out.faults.push(`${ev.type} at ${ev.offset ?? "?"}`);
      return;
    }
    if (head[1] !== consoleName) return;
    const offset = Number(head[2]);
    if (offset !== out.bytes) out.faults.push(`bytes at ${offset}, expected ${out.bytes}`);
    const start = from + head[0].length;
    const stopAt = message.indexOf(QUOTE, start);
    // Kept as base64 and checked against the stored console cut at the same offsets (encoding is
    // canonical): decoding 270 MB/s of it would take a core of its own.
    hash.update(message.subarray(start, stopAt));
    out.cuts.push(offset);
    const padding = (message[stopAt - 1] === 61 ? 1 : 0) + (message[stopAt - 2] === 61 ? 1 : 0);
    out.bytes += ((stopAt - start) / 4) * 3 - padding;
    // the first whole line is within the first few hundred bytes (lines of ~100)
    const prefix = Buffer.from(message.toString("latin1", start, Math.min(stopAt, start + 400)), "base64");
    const first = atLineStart ? 0 : prefix.indexOf(NL) + 1;
    if (first > 0 || atLineStart) {
      const m = /^t=(\d{13}) /.exec(prefix.toString("latin1", first, first + 20));
      if (m) out.latencies.push(arrived - Number(m[1]));
    }
    atLineStart = Buffer.from(message.toString("latin1", stopAt - 4, stopAt), "base64").at(-1) === NL;
  };

  return new Promise<FollowerResult>((resolve, reject) => {
    const req = http.get(
      `${url}/api/trpc/runs.follow?input=${input}`,
      { headers: { cookie, accept: "text/event-stream" }, agent: false },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`runs.follow: HTTP ${res.statusCode}`));
          return;
        }
        // A long message (a 1 MiB refill) comes in many reads: joined once it is whole, not at each read.
        let pending: Buffer[] = [];
        let ended = false;
        res.on("data", (chunk: Buffer) => {
          if (ended) return;
          const arrived = Date.now();
          const last = pending.at(-1);
          // an event's end ("\n\n") may fall across two reads
          const split = last !== undefined && last[last.length - 1] === NL && chunk[0] === NL;
          if (chunk.indexOf("\n\n") < 0 && !split) {
            pending.push(chunk);
            return;
          }
          const buf = pending.length ? Buffer.concat([...pending, chunk]) : chunk;
          pending = [];
          let at = 0;
          for (let end = buf.indexOf("\n\n", at); end >= 0; end = buf.indexOf("\n\n", at)) {
            const message = buf.subarray(at, end);
            at = end + 2;
            // The server ends the stream once the run has ended and every stored byte was sent.
            const event = lineStarting(message, "event: ");
            if (event >= 0) {
              if (message.toString("latin1", event, event + 13) === "event: return") {
                ended = true;
                res.destroy();
                out.encodedSha256 = hash.digest("hex");
                resolve(out);
                return;
              }
              continue; // connected, ping
            }
            const data = lineStarting(message, "data: ");
            if (data >= 0) onData(message, data + 6, arrived);
          }
          if (at < buf.length) pending.push(buf.subarray(at));
        });
        res.on("end", () => {
          if (ended) return;
          out.encodedSha256 = hash.digest("hex");
          out.faults.push("the stream ended before the run did");
          resolve(out);
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
  });
}
