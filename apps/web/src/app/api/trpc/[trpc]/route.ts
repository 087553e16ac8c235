import { appRouter, createContext, refuseCrossSitePost } from "@proofboard/api";
import { logger } from "@proofboard/services";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

// Every call reads live state (Postgres, Redis); nothing here may be cached or prerendered.
export const dynamic = "force-dynamic";
// Postgres and Redis clients need Node's sockets.
export const runtime = "nodejs";

function handler(req: Request): Promise<Response> {
  // Before tRPC reads the body: a hostile page's form must not reach a mutation, whatever its content type.
  const refused = refuseCrossSitePost(req);
  if (refused) return Promise.resolve(refused);
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    // resHeaders lets auth.login/logout set the session cookie on this response.
    createContext: ({ req, resHeaders }) => createContext({ req, resHeaders }),
    onError({ error, path, type }) {
      // Expected errors (bad input, not found) are the caller's business; only faults are logged.
      if (error.code === "INTERNAL_SERVER_ERROR") {
        const cause = error.cause ?? error;
        logger("web").error("tRPC call failed", { type, path: path ?? null, err: cause, stack: cause.stack });
      }
    },
  });
}

export { handler as GET, handler as POST };
