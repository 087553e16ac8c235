import { apiRequestWithinLimit, appRouter, createContext, refuseCrossSitePost } from "@proofboard/api";
import { logger } from "@proofboard/services";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

/** Every tRPC call over HTTP: `/api/trpc/<procedure>`. */
export async function trpcHandler(incoming: Request): Promise<Response> {
  // Before tRPC reads the body: a hostile page's form must not reach a mutation, whatever its content type.
  const refused = refuseCrossSitePost(incoming);
  if (refused) return refused;
  const req = await apiRequestWithinLimit(incoming);
  if (req instanceof Response) return req;
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
