"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button } from "~/components/ui/button";
import { useTRPC } from "~/trpc/react";
import { useSession } from "~/components/auth/use-session";
import { useRerunNotices } from "./rerun-notice";

/**
 * "Rerun what is missing": queues the lanes of a gate (or of every release gate) that are not
 * green on the head and not already under way, with the lanes they need first.
 */
export function RerunMissing({
  branch,
  gate,
  count,
  label,
}: {
  branch: string;
  gate?: string;
  count: number;
  label: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { mayOperate, operateHint } = useSession();
  const notices = useRerunNotices();
  const mutation = useMutation(
    trpc.runs.rerunMissing.mutationOptions({
      onSuccess: ({ runs, note }) =>
        Promise.all([
          queryClient.invalidateQueries(trpc.branches.pathFilter()),
          queryClient.invalidateQueries(trpc.runs.list.pathFilter()),
        ]).finally(() =>
          notices.queued(
            branch,
            runs.map((r) => ({ id: r.id, lane: r.lane })),
            note,
          ),
        ),
    }),
  );
  if (count === 0) return null;
  const text = mutation.isPending ? "Queuing…" : `${label} (${count})`;
  return (
    <span className="inline-flex items-center gap-1.5">
      {mutation.data && <span className="text-xs text-ink-muted">queued {mutation.data.runs.length}</span>}
      {mutation.error && <span className="text-xs text-status-failed">{mutation.error.message}</span>}
      <Button
        size="xs"
        variant="outline"
        disabled={mutation.isPending || !mayOperate}
        title={operateHint ?? "queue what is not green on the head, with what it needs first"}
        // The name starts with what the button says (voice control: "click Rerun missing"), then which gate.
        aria-label={gate ? `${text} in ${gate}` : undefined}
        onClick={(e) => {
          e.stopPropagation();
          mutation.mutate({ branch, gate });
        }}
      >
        {text}
      </Button>
    </span>
  );
}
