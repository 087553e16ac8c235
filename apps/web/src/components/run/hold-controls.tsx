"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useSession } from "~/components/auth/use-session";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import { RelativeTime } from "~/components/ui/relative-time";
import { useNow } from "~/lib/use-now";
import { useTRPC } from "~/trpc/react";

interface HoldRun {
  id: string;
  lane: string;
  branch: string;
  holdUntil: string | null;
  heldBy: string | null;
  youHold: boolean;
}

/** "Rerun and hold": the VMs stay up after the lane for the operator to debug; operators only. */
export function RerunWithHold({ run }: { run: HoldRun }) {
  const trpc = useTRPC();
  const router = useRouter();
  const session = useSession();
  const [minutes, setMinutes] = useState(10);
  const rerun = useMutation(trpc.runs.rerun.mutationOptions({ onSuccess: (r) => router.push(`/runs/${r.id}`) }));
  // The server checks again; this only hides a button a viewer could not use.
  if (!session.mayOperate) return null;
  return (
    <span className="inline-flex items-center gap-1 text-sm">
      <Button
        variant="outline"
        disabled={rerun.isPending}
        onClick={() => rerun.mutate({ branch: run.branch, lane: run.lane, holdMinutes: minutes })}
      >
        {rerun.isPending ? "Queuing…" : "Rerun and hold VMs"}
      </Button>
      <Input
        type="number"
        min={1}
        max={240}
        value={minutes}
        aria-label="Hold minutes"
        className="w-14 px-1"
        onChange={(e) => setMinutes(Math.max(1, Math.min(240, Number(e.target.value) || 1)))}
      />
      min
      {rerun.error && <span className="text-status-failed">{rerun.error.message}</span>}
    </span>
  );
}

/** While VMs are held: who holds them until when, and for the holder an end button. */
export function HoldBanner({ run }: { run: HoldRun }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const now = useNow(5_000);
  const end = useMutation(
    trpc.runs.endHold.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.runs.get.queryKey({ id: run.id }) }),
    }),
  );
  if (!run.holdUntil || Date.parse(run.holdUntil) <= now) return null;
  return (
    <div
      className="flex items-center gap-3 rounded border border-status-running/40 bg-status-running-soft px-3 py-1.5 text-sm"
      data-testid="hold-banner"
    >
      <span>
        VMs held by <span className="font-semibold">{run.heldBy ?? "someone"}</span> until{" "}
        <RelativeTime date={run.holdUntil} />
        {run.youHold ? ": type into a VM console below." : ": read-only for you."}
      </span>
      {run.youHold && (
        <Button
          size="xs"
          variant="outline"
          className="ml-auto"
          disabled={end.isPending}
          onClick={() => end.mutate({ id: run.id })}
        >
          {end.isPending ? "Stopping VMs…" : "End hold now"}
        </Button>
      )}
      {end.error && <span className="text-status-failed">{end.error.message}</span>}
      {end.data?.note && <span className="text-ink-muted">{end.data.note}</span>}
    </div>
  );
}
