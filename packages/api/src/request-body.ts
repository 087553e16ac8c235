/**
 * Request bodies read with a cap. Without one, any client (anonymous too: access is checked after
 * the body is parsed) could make the web process buffer and parse a body of any size; a 150 MB
 * POST to /api/trpc was read whole before its 401.
 */

/** tRPC calls: the largest real one is a batch of keystrokes (4 KiB each) or an admin's form. */
export const MAX_API_BODY_BYTES = 1 << 20;

/** The body as sent, or null when it is longer than `max` bytes: Content-Length may be absent (chunked) or lie. */
export async function bodyWithin(req: Request, max: number): Promise<Buffer | null> {
  if (Number(req.headers.get("content-length") ?? 0) > max) {
    await req.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!req.body) return Buffer.alloc(0);
  const reader = (req.body as ReadableStream<Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/**
 * A tRPC request whose body is within MAX_API_BODY_BYTES, read once and handed on; or the 413
 * answer, in the shape of tRPC's errors so its clients read the message.
 */
export async function apiRequestWithinLimit(req: Request): Promise<Request | Response> {
  if (req.method !== "POST") return req;
  const body = await bodyWithin(req, MAX_API_BODY_BYTES);
  if (body)
    return new Request(req.url, {
      method: req.method,
      headers: req.headers,
      body: new Uint8Array(body),
      signal: req.signal,
    });
  const message = `the request body is larger than ${MAX_API_BODY_BYTES / (1 << 20)} MiB, the limit of any API call`;
  return new Response(
    JSON.stringify({ error: { message, code: -32600, data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 } } }),
    { status: 413, headers: { "content-type": "application/json" } },
  );
}
