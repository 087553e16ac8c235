import { appRouter, createContext, type AppRouter } from "@proofboard/api";
import { logger } from "@proofboard/services";
import { dehydrate, HydrationBoundary, QueryClient, type QueryKey } from "@tanstack/react-query";
import { TRPCError } from "@trpc/server";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { cache, type ReactNode } from "react";

/**
 * Server-side tRPC for pages: a page asks for its data while it renders on the server, so the
 * first HTML already holds it (readiness, verdicts, a run's state) instead of "Loading…". Only
 * import this from server components: it calls the router in this process, not over HTTP.
 */

/** One cache per request; nothing is retried here (the browser retries what the server could not get). */
const requestQueryClient = cache(
  () => new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 10_000 } } }),
);

/**
 * Who is asking, exactly as /api/trpc decides it: the same createContext over the request's own
 * headers (the session cookie, or a bearer token), so PROOFBOARD_READ_ACCESS=login and every role
 * rule hold here too. The URL is a placeholder, as in server/found.ts: only the headers count.
 */
const requestContext = cache(async () =>
  createContext({ req: new Request("http://proofboard.invalid/api/trpc", { headers: await headers() }) }),
);

export const serverTrpc = createTRPCOptionsProxy<AppRouter>({
  router: appRouter,
  ctx: requestContext,
  queryClient: requestQueryClient,
});

/**
 * Past this the page goes out without the data and the browser fetches it, as before. Generous on
 * purpose: the browser's own fetch would come later still (after the scripts load), so this only
 * guards against a hung database, not against a slow one.
 */
const PREFETCH_BUDGET_MS = 3_000;

/** What the browser would have received over HTTP: tRPC sends JSON, with no transformer. */
const asJson = (data: unknown): unknown => (data === undefined ? undefined : JSON.parse(JSON.stringify(data)));

type Prefetchable = { queryKey: QueryKey };

function logFault(error: unknown, key: QueryKey): void {
  // Refusals and unknown names are the client's to show (login needed, not found); faults are logged as the HTTP route does.
  if (error instanceof TRPCError && error.code !== "INTERNAL_SERVER_ERROR") return;
  const cause = error instanceof TRPCError ? (error.cause ?? error) : error;
  logger("web").error("server-side prefetch failed", {
    query: key[0],
    err: cause,
    stack: cause instanceof Error ? cause.stack : undefined,
  });
}

/**
 * Renders `children` (client components using these very queries) with the queries' results
 * already in the browser's cache. Only successful results travel: a refusal (a login-only
 * Proofboard and an anonymous visitor), an unknown name or a fault leaves that query to the
 * browser, whose fetch shows the same error states as before; a slow query is not waited for past
 * PREFETCH_BUDGET_MS. The page itself renders in every case.
 */
export async function Prefetch({ queries, children }: { queries: Prefetchable[]; children: ReactNode }) {
  // Outside the try: this is what tells Next the page depends on the request and is never prerendered.
  await headers();
  const client = requestQueryClient();
  try {
    const fetched = Promise.all(
      queries.map(async (q) => {
        await client.prefetchQuery(q);
        const error = client.getQueryState(q.queryKey)?.error;
        if (error) logFault(error, q.queryKey);
      }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([fetched, new Promise((resolve) => (timer = setTimeout(resolve, PREFETCH_BUDGET_MS)))]);
    clearTimeout(timer);
  } catch (err) {
    logger("web").error("server-side prefetch failed", { err });
  }
  const state = dehydrate(client, {
    shouldDehydrateQuery: (query) => query.state.status === "success",
    serializeData: asJson,
  });
  return <HydrationBoundary state={state}>{children}</HydrationBoundary>;
}
