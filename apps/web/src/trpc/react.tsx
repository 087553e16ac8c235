"use client";

import type { AppRouter } from "@proofboard/api";
import { QueryClientProvider, isServer, type QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchStreamLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
import { makeQueryClient } from "./query-client";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

let browserQueryClient: QueryClient | undefined;

function getQueryClient(): QueryClient {
  // A server render must never share a cache between requests; the browser keeps one for the tab.
  if (isServer) return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

function apiUrl(): string {
  if (typeof window !== "undefined") return "/api/trpc";
  // Client components also render on the server, where fetch needs an absolute URL to this same app.
  // PORT is the one Next.js listens on; @proofboard/env is server-only and must stay out of this browser module.
  // eslint-disable-next-line no-restricted-properties -- see above
  return `http://127.0.0.1:${process.env.PORT ?? "3000"}/api/trpc`;
}

function makeTRPCClient() {
  const url = apiUrl();
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        // SSE: one EventSource per subscription, so a run page should hold a single multiplexed one.
        true: httpSubscriptionLink({ url }),
        false: httpBatchStreamLink({ url }),
      }),
    ],
  });
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(makeTRPCClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
