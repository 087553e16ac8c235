import { bodyWithin } from "@proofboard/api";
import {
  handleWebhook,
  isWebhookProvider,
  logger,
  MAX_WEBHOOK_BODY_BYTES,
  recordWebhookAudit,
} from "@proofboard/services";

// Each delivery writes to Postgres and runs git; nothing here may be cached or prerendered.
export const dynamic = "force-dynamic";
// HMAC over the raw bytes (node:crypto), Postgres and git need Node, not the edge runtime.
export const runtime = "nodejs";

type ContentType = "application/json" | "text/plain";

function reply(status: number, body: string, contentType: ContentType = "text/plain"): Response {
  return new Response(body, { status, headers: { "content-type": `${contentType}; charset=utf-8` } });
}

/** Push webhooks from GitHub, Gitea and GitLab: /api/webhooks/github, /gitea, /gitlab. */
export async function POST(req: Request, ctx: { params: Promise<{ provider: string }> }): Promise<Response> {
  const { provider } = await ctx.params;
  if (!isWebhookProvider(provider))
    return reply(404, `no webhook provider ${JSON.stringify(provider)}: use github, gitea or gitlab`);
  // The bytes exactly as sent, since the signature covers them (req.json() would re-encode them).
  const body = await bodyWithin(req, MAX_WEBHOOK_BODY_BYTES);
  if (!body) return reply(413, "body is larger than 1 MiB");
  try {
    const res = await handleWebhook(provider, req.headers, body);
    await recordWebhookAudit(provider, req.headers, body, res.status, res.body);
    return reply(res.status, res.body, res.contentType);
  } catch (err) {
    // The forge only needs to know it failed (it will show the delivery as failed); details are ours.
    logger("web").error("incoming webhook failed", {
      provider,
      err,
      stack: err instanceof Error ? err.stack : undefined,
    });
    await recordWebhookAudit(provider, req.headers, body, 500, "internal error");
    return reply(500, "internal error while handling the webhook");
  }
}
