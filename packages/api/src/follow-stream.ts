import { logger, runById } from "@proofboard/services";
import { followInput, followWire, type FollowWireEvent } from "./follow-wire";
import { accessRefusal, authenticate } from "./trpc";

const encoder = new TextEncoder();
const CONNECTED = encoder.encode("event: connected\ndata: {}\n\n");
const RETURN = encoder.encode("event: return\ndata: \n\n");

/** A shared Buffer's `data:` line (a live chunk, a shared read), encoded once for every viewer in this process. */
const sharedLines = new WeakMap<Buffer, Uint8Array>();

function dataLine(event: FollowWireEvent, shared: Buffer | null): Uint8Array {
  let line = shared && sharedLines.get(shared);
  if (!line) {
    line = encoder.encode(`data: ${JSON.stringify(event)}\n`);
    if (shared) sharedLines.set(shared, line);
  }
  return line;
}

/** Events that are ready together go out as one write of up to about this many bytes. */
const WRITE_BYTES = 1 << 20;
const NOT_YET = Symbol("not yet");
/** Resolves once what is already resolving has run (a macrotask later): what is not ready by then waits for the next pull. */
const nextTurn = () => new Promise<typeof NOT_YET>((resolve) => setImmediate(resolve, NOT_YET));

/** The input as tRPC reads it for a subscription: `?input=` JSON, and an EventSource's Last-Event-ID. */
function followRequest(req: Request) {
  const url = new URL(req.url);
  if (url.searchParams.get("batch") === "1") return null;
  let input: unknown;
  try {
    input = JSON.parse(url.searchParams.get("input") ?? "null");
  } catch {
    return null;
  }
  const lastEventId =
    req.headers.get("last-event-id") ?? url.searchParams.get("lastEventId") ?? url.searchParams.get("Last-Event-Id");
  if (lastEventId && input !== null && typeof input === "object") input = { ...input, lastEventId };
  const parsed = followInput.safeParse(input);
  return parsed.success ? parsed.data : null;
}

/**
 * `runs.follow` for browsers, in the SSE form tRPC's httpSubscriptionLink reads, without tRPC's
 * encoder: a live chunk is turned into its `data:` line once and that line goes to every viewer of
 * the run, where tRPC would stringify and encode it again per viewer (with 50 viewers of a 1 MB/s
 * console, that encoding and its garbage were most of the web process's time). Each viewer gets
 * its own `id:` line (its offsets). A request this path does not serve as-is (bad input, no
 * access, an unknown run) answers null, and tRPC's own handler answers it with its errors.
 */
export async function handleFollowStream(req: Request): Promise<Response | null> {
  const input = followRequest(req);
  if (!input) return null;
  if (accessRefusal({ actor: "web", ...(await authenticate(req)) }, "read", "following a run")) return null;
  const run = await runById(input.id).catch(() => null);
  if (!run) return null;

  const stop = new AbortController();
  req.signal.addEventListener("abort", () => stop.abort(), { once: true });
  const events = followWire(run.id, input, stop.signal);
  type Next = Awaited<ReturnType<typeof events.next>>;
  /** an event asked for and not yet in hand when the last write went out: the next pull starts with it */
  let pending: Promise<Next> | null = null;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(CONNECTED);
    },
    // Pulled as the connection takes bytes: a slow viewer's follower waits (and the live hub
    // bounds what waits for it), nothing piles up here. Each pull writes every event that is
    // ready at once as one piece: a viewer the process is late for (hundreds of viewers, a busy
    // machine) gets its waiting chunks in one write, not one write (and a trip through the web
    // stream and the socket) each, so the work per viewer falls as the load rises.
    async pull(c) {
      try {
        const parts: Uint8Array[] = [];
        let size = 0;
        let ended = false;
        // Started once the first event is in hand: waiting for it is not what the turn measures.
        let turn: Promise<typeof NOT_YET> | null = null;
        for (let next = await (pending ?? events.next()); ;) {
          pending = null;
          if (next.done) {
            ended = true;
            break;
          }
          const { id, event, shared } = next.value;
          const line = dataLine(event, shared);
          const idLine = encoder.encode(`id: ${id}\n\n`);
          parts.push(line, idLine);
          size += line.length + idLine.length;
          if (size >= WRITE_BYTES) break;
          const asked = events.next();
          const ready = await Promise.race([asked, (turn ??= nextTurn())]);
          if (ready === NOT_YET) {
            pending = asked;
            break;
          }
          next = ready;
        }
        if (parts.length) c.enqueue(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
        if (ended) {
          if (!stop.signal.aborted) c.enqueue(RETURN);
          c.close();
        }
      } catch (err) {
        if (stop.signal.aborted) return c.close();
        logger("web").error("following a run failed", { runId: run.id, err });
        const shape = {
          message: "following the run failed; the page resumes where it was",
          code: -32603,
          data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500, path: "runs.follow" },
        };
        c.enqueue(encoder.encode(`event: serialized-error\ndata: ${JSON.stringify(shape)}\n\n`));
        c.close();
      }
    },
    async cancel() {
      stop.abort();
      await events.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      connection: "keep-alive",
      // Which of the two paths served this stream, for operators and the browser tests.
      "x-proofboard-follow": "shared",
    },
  });
}
