import { QueryClient, defaultShouldDehydrateQuery } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";

/** 4xx means the request itself is wrong (bad input, unknown run); asking again cannot help. */
function isClientError(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const status: unknown = (error.data as { httpStatus?: unknown } | null | undefined)?.httpStatus;
  return typeof status === "number" && status >= 400 && status < 500;
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Live state arrives over subscriptions; polling-by-refetch on every mount would only add load.
        staleTime: 10_000,
        retry: (failureCount, error) => !isClientError(error) && failureCount < 2,
      },
      dehydrate: {
        // Lets a server component prefetch without awaiting and stream the result to the client.
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending",
      },
    },
  });
}
