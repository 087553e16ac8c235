"use client";

import type { AppRouter } from "@proofboard/api";
import { createTRPCClient, httpLink } from "@trpc/client";

/**
 * Login and logout set a cookie, and a streamed batch response (the app's usual link) has sent its
 * headers before the procedure runs; this one-request-per-call client gets Set-Cookie through.
 */
export const authClient = createTRPCClient<AppRouter>({ links: [httpLink({ url: "/api/trpc" })] });
