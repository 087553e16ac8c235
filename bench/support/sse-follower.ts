import { createHash } from "node:crypto";

export interface FollowerResult {
  sha256: string;
  bytes: number;
  /** ms from a line's printing (its `t=<epoch ms>` prefix) to its event's arrival: each event's first whole line */
  latencies: number[];
  /** anything that breaks byte-exactness: a gap, a duplicate, a skip */
  faults: string[];
}

const BYTES_HEAD = /^\{"type":"bytes","console":"([a-z0-9._-]+)","offset":(\d+),"data":"/;

/**
 * One follower of a run's console over the run page's own subscription (tRPC over SSE, read with
 * fetch as a browser's EventSource would), from its first byte to the run's end, every byte kept.
 */
export async function follow(
  url: string,
  cookie: string,
  runId: string,
  consoleName: string,
  /** called once the stream has sent its first event: this follower is in place */
  onReady: () => void = () => undefined,
): Promise<FollowerResult> {
  const input = encodeURIComponent(JSON.stringify({ id: runId, skipBehind: false }));
  const res = await fetch(`${url}/api/trpc/runs.follow?input=${input}`, {
    headers: { cookie, accept: "text/event-stream" },
  });
  if (!res.ok || !res.body) throw new Error(`runs.follow: HTTP ${res.status}`);
  const hash = createHash("sha256");
  const out: FollowerResult = { sha256: "", bytes: 0, latencies: [], faults: [] };
  let atLineStart = true;
  let pending: string[] = [];
  const decoder = new TextDecoder();
  const onData = (json: string): void => {
    onReady();
    // A bytes event is read from its head and its base64 taken as it stands: parsing 200 followers'
    // megabytes as JSON would make this process, not the server, what the figures measure.
    const head = BYTES_HEAD.exec(json.slice(0, 200));
    const ev = head
      ? {
          type: "bytes",
          console: head[1],
          offset: Number(head[2]),
          data: json.slice(head[0].length, json.indexOf('"', head[0].length)),
        }
      : (JSON.parse(json) as { type: string; console?: string; offset?: number; data?: string });
    if (ev.type === "skipped" || ev.type === "start") out.faults.push(`${ev.type} at ${ev.offset ?? "?"}`);
    if (ev.type !== "bytes" || ev.console !== consoleName) return;
    const arrived = Date.now();
    if (ev.offset !== out.bytes) out.faults.push(`bytes at ${ev.offset}, expected ${out.bytes}`);
    const data = Buffer.from(ev.data!, "base64");
    hash.update(data);
    out.bytes += data.length;
    const first = atLineStart ? 0 : data.indexOf(10) + 1;
    if (first > 0 || atLineStart) {
      const m = /^t=(\d{13}) /.exec(data.subarray(first, first + 20).toString("latin1"));
      if (m) out.latencies.push(arrived - Number(m[1]));
    }
    atLineStart = data.at(-1) === 10;
  };
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // A long message (a 1 MiB refill) comes in many reads: join them once it is whole, not at each read.
    const text = decoder.decode(value, { stream: true });
    pending.push(text);
    if (!text.includes("\n")) continue;
    const messages = pending.join("").split("\n\n");
    pending = [messages.pop()!];
    for (const message of messages) {
      // The server ends the stream once the run has ended and every stored byte was sent.
      if (/^event: return$/m.test(message)) {
        await reader.cancel();
        out.sha256 = hash.digest("hex");
        return out;
      }
      if (/^event: /m.test(message)) continue; // connected, ping
      const data = /^data: (.*)$/m.exec(message)?.[1];
      if (data) onData(data);
    }
  }
  out.sha256 = hash.digest("hex");
  out.faults.push("the stream ended before the run did");
  return out;
}
