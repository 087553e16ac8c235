import {
  ConsoleDroppedError,
  consoleBytes,
  listConsoles,
  NotFoundError,
  readConsole,
  runById,
} from "@proofboard/services";
import { isTerminal } from "@proofboard/domain";
import { accessRefusal, authenticate } from "./trpc";

const consoleName = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Raw console bytes over plain HTTP (downloads, `proofboard console`): exact bytes,
 * `application/octet-stream`. `?from=N` returns what is stored from byte N on; the
 * X-Proofboard-Run-Status header tells a follower whether more can come.
 */
export async function handleConsoleDownload(req: Request, runId: string, name: string): Promise<Response> {
  // Reading rules as for the API: a session cookie or a bearer token, when reads need a login.
  const refused = accessRefusal({ actor: "download", ...(await authenticate(req)) }, "read", "downloading a console");
  if (refused) return text(refused.code === "FORBIDDEN" ? 403 : 401, refused.message);
  try {
    const run = await runById(runId);
    if (!consoleName.test(name)) return await unknownConsole(run.id, name);
    const fromParam = new URL(req.url).searchParams.get("from");
    const from = fromParam === null ? null : Number(fromParam);
    if (from !== null && (!Number.isSafeInteger(from) || from < 0)) return text(400, "from must be a byte offset");
    const headers = {
      "content-type": "application/octet-stream",
      "x-proofboard-run-status": run.status,
      "x-proofboard-run-final": String(isTerminal(run.status)),
      "cache-control": "no-store",
      "content-disposition": `attachment; filename="${run.lane}-${run.id.slice(0, 8)}-${name}.log"`,
    };
    if (from !== null) {
      const { data } = await readConsole(run.id, name, from);
      return new Response(bytesOf(data), { headers });
    }
    const chunks = consoleBytes(run.id, name);
    const first = await chunks.next(); // unknown console → 404 before the body starts
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        if (!first.done) c.enqueue(bytesOf(first.value));
      },
      async pull(c) {
        const n = await chunks.next();
        if (n.done) c.close();
        else c.enqueue(bytesOf(n.value));
      },
    });
    return new Response(body, { headers });
  } catch (err) {
    if (err instanceof NotFoundError && err.kind === "console") return unknownConsole(runId, name);
    if (err instanceof NotFoundError) return text(404, err.message);
    if (err instanceof ConsoleDroppedError) return text(410, err.message);
    throw err;
  }
}

/**
 * `unknown console: "nodeX" of run 1234abcd; it has: harness, node01`: a name no console of the run
 * has (whether or not any console could be called that), answered with the names it does have.
 */
async function unknownConsole(runId: string, name: string): Promise<Response> {
  const names = (await listConsoles(runId)).map((c) => c.name);
  const has = names.length ? `it has: ${names.join(", ")}` : "it has no consoles yet";
  return text(404, `unknown console: ${JSON.stringify(name.slice(0, 80))} of run ${runId.slice(0, 8)}; ${has}`);
}

/** The Buffer's own bytes as a Uint8Array: `new Uint8Array(buffer)` would copy every byte. */
function bytesOf(b: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.length);
}

function text(status: number, body: string): Response {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
