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

  /** After logout pass null; after a login pass nothing, and auth.me is fetched again with the rest. */
  async function changed(user?: SessionUser | null): Promise<void> {
    if (user !== undefined) queryClient.setQueryData(trpc.auth.me.queryKey(), user);
    // What a page offers may depend on the role, so everything is fetched again as the new user.
    await queryClient.invalidateQueries();
  }

  const user = me.data ?? null;
  const mayOperate = user?.actingRole === "operator" || user?.actingRole === "admin";
  return { user, loading: me.isPending, changed, mayOperate, operateHint: operateHint(user) };
}

/** Why an action button is greyed out, for its tooltip (null: it is not). */
function operateHint(user: SessionUser | null): string | null {
  if (!user) return "log in as an operator to do this";
  if (user.actingRole === "viewer") return `${user.name} is a viewer: an operator or admin can do this`;
  return null;
}
