"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button } from "~/components/ui/button";
import { useTRPC } from "~/trpc/react";
import { useSession } from "~/components/auth/use-session";
import { SyncIcon } from "./icons";
import { visibleText } from "~/components/ui/visible-text";

type SyncSummary = {
  branches: number;
  added: string[];
  moved: string[];
  deleted: string[];
  rejected: { name: string; reason: string }[];
};

function describe(s: SyncSummary): string {
  const parts = [`${s.branches} branches`];
  if (s.added.length) parts.push(`${s.added.length} new`);
  if (s.moved.length) parts.push(`${s.moved.length} moved`);
  if (s.deleted.length) parts.push(`${s.deleted.length} deleted`);
  return parts.join(", ");
}

/** Fetches the target repository now instead of waiting for the periodic sync. */
export function SyncButton({ variant = "outline" }: { variant?: "outline" | "default" }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { mayOperate, operateHint } = useSession();
  const sync = useMutation(
    trpc.branches.sync.mutationOptions({
      // Returning the refetch keeps the button pending until the new branch heads are on screen.
      onSettled: () => queryClient.invalidateQueries(trpc.branches.pathFilter()),
    }),
  );
  return (
    <span className="flex items-center gap-2">
      {sync.isError && <span className="text-sm text-status-failed">sync failed: {sync.error.message}</span>}
      {sync.isSuccess && (
        <span className="text-sm text-ink-muted" role="status">
          {describe(sync.data)}
          {sync.data.rejected.length > 0 && (
            <span
              className="text-status-warn-ink"
              title={sync.data.rejected.map((r) => `${visibleText(r.name)}: ${visibleText(r.reason)}`).join("\n")}
            >
              {`, ${sync.data.rejected.length} refused`}
            </span>
          )}
        </span>
      )}
      <Button
        variant={variant}
        size="sm"
        disabled={sync.isPending || !mayOperate}
        title={operateHint ?? "fetch the target repository now"}
        onClick={() => sync.mutate(undefined)}
      >
        <SyncIcon className={sync.isPending ? "motion-safe:animate-spin" : undefined} />
        {sync.isPending ? "Syncing…" : "Sync now"}
      </Button>
    </span>
  );
}
