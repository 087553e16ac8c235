"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { RelativeTime } from "~/components/ui/relative-time";
import { VisibleText } from "~/components/ui/visible-text";
import { useTRPC } from "~/trpc/react";

/** What people did to this run, newest first: "canceled by alice 2 min ago", "hold ended by bob …". */
export function AuditTrail({ runId, status, live }: { runId: string; status: string; live: boolean }) {
  const trpc = useTRPC();
  const events = useQuery({ ...trpc.audit.forRun.queryOptions({ runId }), refetchInterval: live ? 5000 : false });
  const { refetch } = events;
  // A cancel or a hold's end changes the status at once: its line should not wait for the next poll.
  useEffect(() => {
    void refetch();
  }, [status, refetch]);
  if (!events.data?.length) return null;
  return (
    <ul
      className="flex flex-col gap-0.5 text-sm text-ink-muted"
      data-testid="run-audit"
      aria-label="What people did to this run"
    >
      {events.data.map((e) => (
        <li key={`${e.at}-${e.action}`} data-action={e.action}>
          <VisibleText text={e.summary ?? e.action} /> by{" "}
          <span className="font-medium text-ink">
            <VisibleText text={e.actor} />
          </span>{" "}
          <RelativeTime date={e.at} />
        </li>
      ))}
    </ul>
  );
}
