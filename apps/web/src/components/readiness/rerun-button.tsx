"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useConfirm } from "~/components/ui/alert-dialog";
import { Button } from "~/components/ui/button";
import { useTRPC } from "~/trpc/react";
import { useSession } from "~/components/auth/use-session";
import { useRerunNotices } from "./rerun-notice";

export type RerunButtonProps = {
  branch: string;
  lane: string;
  /** A run already waiting on the head would only be duplicated; running ones stay rerunnable (a stuck run). */
  alreadyQueued?: boolean;
  /** The head run is running: a second one would take another host slot, so the person confirms. */
  running?: boolean;
};

/**
 * Queues the lane again on the branch's head. The mutation stays pending until the branch is
 * refetched, so the button reads "Queuing…" right up to the moment the row shows the new queued run.
 */
export function RerunButton({ branch, lane, alreadyQueued = false, running = false }: RerunButtonProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { mayOperate, operateHint } = useSession();
  const notices = useRerunNotices();
  const [confirm, confirmDialog] = useConfirm();
  const rerun = useMutation(
    trpc.runs.rerun.mutationOptions({
      // Said once the branch is refetched, so the notice and the row's new run appear together.
      onSuccess: (run) =>
        Promise.all([
          queryClient.invalidateQueries(trpc.branches.pathFilter()),
          queryClient.invalidateQueries(trpc.runs.list.pathFilter()),
        ]).finally(() => notices.queued(branch, [{ id: run.id, lane: run.lane }], run.note)),
    }),
  );
  async function start() {
    if (running) {
      const go = await confirm({
        title: `Start a second ${lane} run?`,
        description: `${lane} is running on this commit. Another run alongside it takes another host slot.`,
        confirmLabel: "Start second run",
        destructive: true,
      });
      if (!go) return;
    }
    rerun.mutate({ branch, lane });
  }
  return (
    <span className="inline-flex items-center justify-end gap-1.5">
      {rerun.data?.note && (
        <span
          role="status"
          className="max-w-48 truncate text-xs text-status-queued"
          title={rerun.data.note}
          data-testid="rerun-note"
        >
          {rerun.data.note}
        </span>
      )}
      {rerun.isError && (
        <span role="alert" className="max-w-48 truncate text-xs text-status-failed" title={rerun.error.message}>
          {rerun.error.message}
        </span>
      )}
      <Button
        variant="outline"
        size="xs"
        aria-label={`Rerun ${lane}`}
        disabled={rerun.isPending || alreadyQueued || !mayOperate}
        title={
          operateHint ?? (alreadyQueued ? "already queued on this commit" : `queue ${lane} again on the head commit`)
        }
        onClick={() => void start()}
      >
        {rerun.isPending ? "Queuing…" : "Rerun"}
      </Button>
      {confirmDialog}
    </span>
  );
}
