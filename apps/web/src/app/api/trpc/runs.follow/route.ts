import { handleFollowStream } from "@proofboard/api";
import { trpcHandler } from "../../../../server/trpc-handler";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * The run page's live stream, at tRPC's own address: served by the encoder that makes each live
 * chunk's bytes once for all viewers; anything that path does not serve goes to tRPC as before.
 */
export async function GET(req: Request): Promise<Response> {
  return (await handleFollowStream(req)) ?? trpcHandler(req);
}

export { trpcHandler as POST };
