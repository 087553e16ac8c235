"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorText } from "~/components/account/access";
import { Loading, QueryError } from "~/components/readiness/query-state";
import { Button } from "~/components/ui/button";
import { RelativeTime } from "~/components/ui/relative-time";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";
import { DELIVERY_TONE, type Delivery } from "./labels";

function Answer({ d }: { d: Delivery }) {
  const head = [
    d.responseStatus !== null ? `HTTP ${d.responseStatus}` : null,
    d.error && d.error !== `HTTP ${d.responseStatus}` ? d.error : null,
  ]
    .filter(Boolean)
    .join(" · ");
  return (
    <div className="flex min-w-0 flex-col gap-0.5">
      <span className={cn("text-xs", d.error ? "text-status-failed-ink" : "text-ink")}>{head || "—"}</span>
      {d.responseExcerpt ? (
        // The receiver's words are data: shown as text in a box, never as markup, capped at 2 KB by the server.
        <details className="text-xs">
          <summary className="cursor-pointer text-ink-muted">answer ({d.responseExcerpt.length} characters)</summary>
          <pre className="mt-1 max-h-40 max-w-xl overflow-auto rounded border border-line bg-zinc-50 p-1.5 font-mono text-[11px] whitespace-pre-wrap">
            {d.responseExcerpt}
          </pre>
        </details>
      ) : null}
    </div>
  );
}

function Redeliver({ d, target }: { d: Delivery; target: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const again = useMutation(
    trpc.news.redeliver.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.news.deliveries.queryFilter({ target })),
    }),
  );
  if (d.status === "sending" || d.status === "superseded") return null;
  return (
    <div className="flex flex-col items-end gap-0.5">
      <Button size="xs" variant="outline" disabled={again.isPending} onClick={() => again.mutate({ id: d.id })}>
        Redeliver
      </Button>
      {again.isError && (
        <span role="alert" className="text-xs text-status-failed">
          {errorText(again.error)}
        </span>
      )}
    </div>
  );
}

/** A hook's deliveries (or the forge's), newest first: what was sent, how it was answered, what comes next. */
export function DeliveriesTable({ target }: { target: string }) {
  const trpc = useTRPC();
  const list = useQuery({ ...trpc.news.deliveries.queryOptions({ target }), refetchInterval: 5000 });
  if (list.isError) return <QueryError error={list.error} what="the deliveries" className="m-3" />;
  if (list.isPending)
    return (
      <div className="px-3">
        <Loading what="the deliveries" />
      </div>
    );
  if (list.data.length === 0) return <p className="px-3 py-3 text-sm text-ink-muted">Nothing sent yet.</p>;
  return (
    <Table className="text-sm" data-testid={`deliveries-${target}`}>
      <THead>
        <TR>
          <TH className="w-28">State</TH>
          <TH>Event</TH>
          <TH className="w-72">Answer</TH>
          <TH className="w-36">When</TH>
          <TH className="w-24">
            <span className="sr-only">Actions</span>
          </TH>
        </TR>
      </THead>
      <TBody>
        {list.data.map((d) => (
          <TR key={d.id}>
            <TD>
              <span
                className={cn(
                  "inline-flex h-5 items-center rounded border px-1.5 text-xs font-medium",
                  DELIVERY_TONE[d.status],
                )}
              >
                {d.status}
              </span>
              <div className="mt-0.5 text-xs text-ink-muted">
                {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"}
              </div>
            </TD>
            <TD className="min-w-0">
              <div className="truncate" title={d.summary}>
                {d.summary}
              </div>
              <div className="font-mono text-xs text-ink-muted">
                {d.event}
                {d.url ? ` → ${d.url}` : ""}
              </div>
            </TD>
            <TD>
              <Answer d={d} />
            </TD>
            <TD className="text-xs text-ink-muted">
              <div>
                sent <RelativeTime date={d.lastAttemptAt ?? d.createdAt} />
              </div>
              {d.nextAttemptAt && d.status === "pending" && (
                <div>
                  next <RelativeTime date={d.nextAttemptAt} />
                </div>
              )}
            </TD>
            <TD className="text-right">
              <Redeliver d={d} target={target} />
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}
