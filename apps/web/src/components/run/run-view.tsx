"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, type ReactNode } from "react";
import { Button } from "~/components/ui/button";
import { Elapsed } from "~/components/ui/elapsed";
import { Mono, Sha } from "~/components/ui/mono";
import { RelativeTime } from "~/components/ui/relative-time";
import { StatusBadge } from "~/components/ui/status-badge";
import { useNow } from "~/lib/use-now";
import { useTRPC } from "~/trpc/react";
import { ComparePanel } from "~/components/history/compare-panel";
import { branchHref } from "~/components/readiness/links";
import { formatTimeout } from "~/components/readiness/lane-state";
import { HeldFor } from "~/components/readiness/run-cells";
import { ConsoleDiff } from "./console-diff";
import { SearchConsoles } from "./search-consoles";
import { AuditTrail } from "./audit-trail";
import { HoldBanner, RerunWithHold } from "./hold-controls";
import { OperationsPanel, useRunOperations } from "./operations-panel";
import { RunConsoles } from "./run-consoles";
import { RunOrigin } from "./run-origin";
import { useRunFollow } from "./use-run-follow";
import { VisibleText } from "~/components/ui/visible-text";
import { useSession } from "~/components/auth/use-session";

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex min-w-0 flex-col">
      <dt className="text-xs uppercase tracking-wide text-ink-muted">{label}</dt>
      <dd className="min-w-0 truncate">{children}</dd>
    </div>
  );
}

function formatSpooled(n: number): string {
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

/** The run page: what ran where, how it ended, and every console, live while it runs. */
export function RunView({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const now = useNow(5_000);
  // While it runs, its consoles' failure markers and verdicts come from storage every few seconds.
  const runQuery = useQuery({
    ...trpc.runs.get.queryOptions({ id }),
    refetchInterval: (q) => (q.state.data?.status === "running" || q.state.data?.status === "queued" ? 3000 : false),
  });
  const startedAt = runQuery.data?.startedAt ? Date.parse(runQuery.data.startedAt) : null;
  const { attach, setTimestamps, showWindow, state } = useRunFollow(
    id,
    startedAt,
    () => void queryClient.invalidateQueries({ queryKey: trpc.runs.get.queryKey({ id }) }),
    runQuery.data !== undefined,
  );
  const rerun = useMutation(
    // With a note (Redis unreachable) the page stays here to show it, with a link to the saved run.
    trpc.runs.rerun.mutationOptions({ onSuccess: (run) => (run.note ? undefined : router.push(`/runs/${run.id}`)) }),
  );
  const ops = useRunOperations(id, !!runQuery.data?.holdUntil && Date.parse(runQuery.data.holdUntil) > now);
  const input = useMutation(trpc.runs.input.mutationOptions());
  // Keystrokes go one request after another: concurrent requests could arrive out of order.
  const typing = useRef<Promise<unknown>>(Promise.resolve());
  const send = (console: string, data: string) => {
    typing.current = typing.current.then(() => input.mutateAsync({ id, console, data }).catch(() => undefined));
  };
  const session = useSession();
  const cancel = useMutation(
    trpc.runs.cancel.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.runs.get.queryKey({ id }) }),
    }),
  );

  // A failed refetch (the web restarting, a proxy's 502) keeps the page it had: only a first load that failed is an error page.
  if (runQuery.error && !runQuery.data) {
    return (
      <div className="flex flex-col gap-2" data-testid="run-error">
        <p className="text-status-failed">{runQuery.error.message}</p>
        <Link href="/runs" className="text-status-running underline-offset-2 hover:underline">
          All runs
        </Link>
      </div>
    );
  }
  const run = runQuery.data;
  if (!run) return <p className="text-ink-muted">Loading run…</p>;
  const status = state.status ?? run.status;
  const running = status === "running";
  const held = run.youHold && run.holdUntil !== null && Date.parse(run.holdUntil) > now;
  const foreignHold = run.heldBy !== null && !run.youHold && session.user?.actingRole !== "admin";
  const cancelHint =
    session.operateHint ?? (foreignHold ? `${run.heldBy} holds this run: only they or an admin may cancel it` : null);

  return (
    <div className="flex flex-col gap-3">
      <header className="flex flex-wrap items-center gap-3">
        <StatusBadge status={status} data-testid="run-status" data-status={status} className="text-base" />
        <h1 className="font-mono text-lg font-semibold">
          <VisibleText text={run.lane} />
        </h1>
        <span className="text-ink-muted">on</span>
        <Link href={branchHref(run.branch)} className="font-mono underline-offset-2 hover:underline">
          <VisibleText text={run.branch} />
        </Link>
        <Sha sha={run.commitSha} />
        {run.commit && <VisibleText className="min-w-0 truncate text-ink-muted" text={run.commit.subject} />}
        <RunOrigin run={run} />
        {(status === "queued" || running) && (
          <Button
            className="ml-auto"
            variant="outline"
            aria-label={`Cancel ${run.lane}`}
            disabled={cancel.isPending || run.cancelRequestedAt !== null || cancelHint !== null}
            title={cancelHint ?? "stop this run and its VMs"}
            onClick={() => cancel.mutate({ id: run.id })}
          >
            {run.cancelRequestedAt || cancel.isPending ? "Canceling…" : "Cancel"}
          </Button>
        )}
        <Button
          className={status === "queued" || running ? undefined : "ml-auto"}
          disabled={rerun.isPending || !session.mayOperate}
          title={session.operateHint ?? "queue this lane again on the branch's head commit"}
          onClick={() => rerun.mutate({ branch: run.branch, lane: run.lane })}
        >
          {rerun.isPending ? "Queuing…" : "Rerun on branch head"}
        </Button>
      </header>
      <div className="flex justify-end">
        <RerunWithHold run={run} />
      </div>
      <HoldBanner run={run} />
      <AuditTrail runId={run.id} status={status} live={status === "queued" || running || run.holdUntil !== null} />
      <OperationsPanel runId={run.id} ops={ops} />
      {rerun.error && <p className="text-status-failed">{rerun.error.message}</p>}
      {rerun.data?.note && (
        <p role="status" className="text-status-queued" data-testid="rerun-note">
          {rerun.data.note}:{" "}
          <Link href={`/runs/${rerun.data.id}`} className="underline-offset-2 hover:underline">
            attempt #{rerun.data.attempt}
          </Link>
        </p>
      )}
      {cancel.error && <p className="text-status-failed">{cancel.error.message}</p>}
      {running && state.buffering && (
        <p
          className="rounded border border-line bg-surface px-3 py-1.5 text-status-queued"
          data-testid="run-buffering"
          role="status"
        >
          Database unreachable: buffering console output on {state.buffering.host} (
          {formatSpooled(state.buffering.spooledBytes)} spooled); it is written when the database returns.
        </p>
      )}
      {status === "queued" && run.waiting && (
        <p className="rounded border border-line bg-surface px-3 py-1.5 text-status-queued" data-testid="run-waiting">
          {run.waiting}
        </p>
      )}
      {run.reason && (
        <p className="rounded border border-line bg-surface px-3 py-1.5" data-testid="run-reason">
          <span className="font-semibold">{run.failureKind ? `${run.failureKind}: ` : ""}</span>
          {run.reason}
        </p>
      )}
      <ComparePanel runId={run.id} status={status} />
      <ConsoleDiff runId={run.id} status={status} consoles={run.consoles} />
      <SearchConsoles runId={run.id} />
      <dl className="grid grid-cols-2 gap-x-6 gap-y-2 rounded-md border border-line bg-surface px-3 py-2 sm:grid-cols-4 lg:grid-cols-8">
        <Field label="Duration">
          {run.startedAt ? (
            <>
              {/* lane time: the clock stops when the lane ends, a hold after it is shown apart */}
              <Elapsed
                since={run.startedAt}
                until={run.laneEndedAt ?? (running ? null : run.finishedAt)}
                expectedMs={run.usualSeconds ? run.usualSeconds * 1000 : null}
              />
              <HeldFor run={{ ...run, status }} />
            </>
          ) : (
            "not started"
          )}
        </Field>
        <Field label="Queued">
          <RelativeTime date={run.queuedAt} />
        </Field>
        <Field label="Host">{run.host?.name ?? <span className="text-ink-muted">needs {run.hostClass}</span>}</Field>
        <Field label="Exit code">
          <Mono>{run.exitCode ?? "—"}</Mono>
        </Field>
        <Field label="Timeout">
          <span title={`${run.timeoutSeconds} s`}>{formatTimeout(run.timeoutSeconds)}</span>
        </Field>
        <Field label="Started by">
          <VisibleText text={run.origin} />
        </Field>
        <Field label="Catalog">
          <Mono title={run.catalogSource}>{run.catalogSource.split("/").pop()}</Mono>
        </Field>
        <Field label={run.attemptKind === "retry" ? "Retry of" : "Previous attempt"}>
          {run.previousRunId ? (
            <Link className="underline-offset-2 hover:underline" href={`/runs/${run.previousRunId}`}>
              #{run.attempt - 1}
            </Link>
          ) : (
            "—"
          )}
        </Field>
        {run.nextAttempt && (
          <Field label={run.nextAttempt.kind === "retry" ? "Retried as" : "Next attempt"}>
            <Link
              className="inline-flex items-center gap-1.5 underline-offset-2 hover:underline"
              href={`/runs/${run.nextAttempt.id}`}
              data-testid="next-attempt"
            >
              #{run.nextAttempt.attempt} <StatusBadge status={run.nextAttempt.status} />
            </Link>
          </Field>
        )}
      </dl>
      <div className="truncate font-mono text-sm text-ink-muted" title={run.argv.join(" ")}>
        $ {run.argv.join(" ")}
      </div>
      <RunConsoles
        runId={run.id}
        consoles={run.consoles}
        firstFailing={run.firstFailing}
        live={status === "running" || status === "queued"}
        follow={state}
        attach={attach}
        setTimestamps={setTimestamps}
        showWindow={showWindow}
        interactive={
          held || ops.typable.length > 0
            ? {
                consoles: [
                  ...(held ? run.consoles.filter((c) => c.kind === "vm").map((c) => c.name) : []),
                  ...ops.typable,
                ],
                send,
                resize: ops.resize,
              }
            : null
        }
      />
    </div>
  );
}
