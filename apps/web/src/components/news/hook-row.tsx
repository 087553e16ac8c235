"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { errorText } from "~/components/account/access";
import { AlertDialog } from "~/components/ui/alert-dialog";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { RelativeTime } from "~/components/ui/relative-time";
import { TD, TR } from "~/components/ui/table";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";
import { DeliveriesTable } from "./deliveries-table";
import { DELIVERY_TONE, EVENT_LABEL, type Hook } from "./labels";
import { SecretOnce } from "./secret-once";

/** One hook: what it gets, on or off, its counts; test, new secret, delete, and its deliveries below. */
export function HookRow({ hook }: { hook: Hook }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [confirm, setConfirm] = useState<"delete" | "rotate" | null>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.news.pathFilter());
  const enable = useMutation(trpc.news.setEnabled.mutationOptions({ onSuccess: refresh }));
  const ping = useMutation(trpc.news.ping.mutationOptions({ onSuccess: () => setOpen(true) }));
  const rotate = useMutation(trpc.news.rotateSecret.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.news.delete.mutationOptions({ onSuccess: refresh }));
  const failure = [enable, ping, rotate, remove].find((m) => m.isError)?.error;
  const last = hook.lastDelivery;
  return (
    <>
      <TR data-testid={`hook-${hook.name}`}>
        <TD>
          <div className="font-medium">{hook.name}</div>
          <div
            className="truncate font-mono text-xs text-ink-muted"
            title="the path after its first segment is not shown again"
          >
            {hook.url}
          </div>
        </TD>
        <TD className="text-xs">
          <div>{hook.format === "slack" ? "Slack message" : "Proofboard JSON"}</div>
          <div className="text-ink-muted">secret {hook.secretHint}</div>
        </TD>
        <TD className="text-xs">
          {hook.events.map((e) => (
            <div key={e}>{EVENT_LABEL[e]}</div>
          ))}
          <div className="text-ink-muted">
            {hook.branchFilter ? `branches ${hook.branchFilter.split(",").join(", ")}` : "all branches"}
          </div>
        </TD>
        <TD className="text-xs">
          <div>
            {hook.counts.delivered} delivered · {hook.counts.pending} waiting ·{" "}
            <span className={hook.counts.failed ? "text-status-failed-ink" : undefined}>
              {hook.counts.failed} failed
            </span>
          </div>
          {last && (
            <div className="mt-0.5 flex items-center gap-1 text-ink-muted">
              last{" "}
              <span className={cn("rounded border px-1", DELIVERY_TONE[last.status])}>
                {last.status}
                {last.responseStatus ? ` ${last.responseStatus}` : ""}
              </span>{" "}
              <RelativeTime date={last.at} />
            </div>
          )}
        </TD>
        <TD>
          <Checkbox
            label={hook.enabled ? "on" : "off"}
            checked={hook.enabled}
            disabled={enable.isPending}
            onCheckedChange={(on) => enable.mutate({ id: hook.id, enabled: on })}
          />
        </TD>
        <TD className="text-right whitespace-nowrap">
          <div className="flex justify-end gap-1">
            <Button size="xs" variant="outline" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
              Deliveries
            </Button>
            <Button size="xs" variant="outline" disabled={ping.isPending} onClick={() => ping.mutate({ id: hook.id })}>
              Test
            </Button>
            <Button size="xs" variant="ghost" onClick={() => setConfirm("rotate")}>
              New secret
            </Button>
            <Button size="xs" variant="ghost" onClick={() => setConfirm("delete")}>
              Delete
            </Button>
          </div>
          {failure && (
            <div role="alert" className="mt-1 text-xs text-status-failed">
              {errorText(failure)}
            </div>
          )}
        </TD>
      </TR>
      {rotate.data && (
        <TR>
          <TD colSpan={6} className="bg-zinc-50/50">
            <SecretOnce
              secret={rotate.data.secret}
              what={`the new secret of ${hook.name}`}
              onDone={() => rotate.reset()}
            />
          </TD>
        </TR>
      )}
      {open && (
        <TR>
          <TD colSpan={6} className="bg-zinc-50/50 p-0">
            <DeliveriesTable target={hook.id} />
          </TD>
        </TR>
      )}
      <AlertDialog
        open={confirm !== null}
        title={confirm === "delete" ? `Delete the hook ${hook.name}?` : `Give ${hook.name} a new secret?`}
        description={
          confirm === "delete"
            ? "Its deliveries go with it, and nothing more is sent to it."
            : "The receiver must get the new secret: deliveries signed from now on fail its check until it does."
        }
        confirmLabel={confirm === "delete" ? "Delete" : "New secret"}
        destructive
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          if (confirm === "delete") remove.mutate({ id: hook.id });
          else rotate.mutate({ id: hook.id });
          setConfirm(null);
        }}
      />
    </>
  );
}
