"use client";

import { useQuery } from "@tanstack/react-query";
import { VisibleText } from "~/components/ui/visible-text";
import { useTRPC } from "~/trpc/react";

/** audit.requesters: per run, who or what started it and that said in words (domain run-origin.ts). */
export type Requesters = Record<
  string,
  { by: string; attempt: number; trigger: string; person: boolean; automatic: boolean; label: string }
>;

/** Who or what started each of these runs, one query for a whole lane table. */
export function useRequesters(runIds: string[]): Requesters {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.audit.requesters.queryOptions({ runIds }),
    enabled: runIds.length > 0,
    staleTime: 10_000,
  });
  return query.data ?? {};
}

/**
 * "rerun by alice", "queued by push to main", "automatic retry 1 of 3 after an infrastructure
 * fault" under a lane's head run: a rerun somebody clicked never reads like an automatic retry.
 */
export function RequestedBy({ requester }: { requester: Requesters[string] | undefined }) {
  if (!requester) return null;
  return (
    <span
      className={requester.automatic ? "text-xs text-status-queued" : "text-xs text-ink-muted"}
      data-testid="requested-by"
      data-trigger={requester.trigger}
    >
      <VisibleText text={requester.label} />
    </span>
  );
}
