"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";

export type SessionUser = NonNullable<RouterOutputs["auth"]["me"]>;

/** Who is logged in (null: nobody), and a way to tell every cached query that it changed. */
export function useSession() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery({ ...trpc.auth.me.queryOptions(), staleTime: 60_000 });

  async function changed(user: SessionUser | null): Promise<void> {
    queryClient.setQueryData(trpc.auth.me.queryKey(), user);
    // What a page offers may depend on the role, so everything is fetched again as the new user.
    await queryClient.invalidateQueries();
  }

  return { user: me.data ?? null, loading: me.isPending, changed };
}
