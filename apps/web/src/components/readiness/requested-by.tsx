"use client";

import { useQuery } from "@tanstack/react-query";
import { VisibleText } from "~/components/ui/visible-text";
import { useTRPC } from "~/trpc/react";

export type Requesters = Record<string, { by: string; attempt: number; automatic: boolean }>;

/** Who asked for each of these runs by hand, one query for a whole lane table. */
export function useRequesters(runIds: string[]): Requesters {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.audit.requesters.queryOptions({ runIds }), enabled: runIds.length > 0, staleTime: 10_000 });
  return query.data ?? {};
}

/** "rerun by alice" under a lane's head run: a person asked for it, not a push or a schedule. */
export function RequestedBy({ requester }: { requester: Requesters[string] | undefined }) {
  if (!requester) return null;
  if (requester.automatic) {
    return (
      <span className="text-xs text-ink-muted" data-testid="requested-by">
        retried automatically
      </span>
    );
  }
  return (
    <span className="text-xs text-ink-muted" data-testid="requested-by">
      {requester.attempt > 1 ? "rerun" : "run"} by <VisibleText text={requester.by} />
    </span>
  );
}
