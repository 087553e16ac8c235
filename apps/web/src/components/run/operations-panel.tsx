"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { useRef } from "react";
import { Button } from "~/components/ui/button";
import { RelativeTime } from "~/components/ui/relative-time";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";

type OperationsList = RouterOutputs["operations"]["list"];
type OperationRow = OperationsList["operations"][number];

/** Before any terminal of the page has told its size. */
const DEFAULT_SIZE = { cols: 120, rows: 32 };
const RESIZE_DEBOUNCE_MS = 200;

/**
 * The operations of a run for its page: the list (polled while the run is held), which of their
 * consoles take this viewer's keystrokes, and how a terminal's size reaches an operation's
 * pseudo-terminal (debounced: dragging a window sends one resize, not fifty).
 */
export function useRunOperations(runId: string, held: boolean) {
  const trpc = useTRPC();
  // Polled while held, and while any operation is still live (the end of a hold ends them a moment later).
  const list = useQuery({
    ...trpc.operations.list.queryOptions({ runId }),
    refetchInterval: (q) => (held || q.state.data?.operations.some((o) => o.live) ? 2000 : false),
  });
  const resizeOp = useMutation(trpc.operations.resize.mutationOptions());
  const size = useRef(DEFAULT_SIZE);
  const pending = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const live = list.data?.operations.filter((o) => o.live) ?? [];
  const typable = list.data?.youMayRun ? live.map((o) => o.console) : [];

  const resize = (console: string, cols: number, rows: number) => {
    // Every typing terminal on the page has the size a new operation's terminal will get.
    size.current = { cols, rows };
    const op = live.find((o) => o.console === console);
    if (!op) return;
    clearTimeout(pending.current.get(console));
    pending.current.set(
      console,
      setTimeout(() => resizeOp.mutate({ runId, operationId: op.id, cols, rows }), RESIZE_DEBOUNCE_MS),
    );
  };
  return { data: list.data ?? null, typable, resize, size };
}

export type RunOperationsState = ReturnType<typeof useRunOperations>;

function outcome(o: OperationRow): { text: string; className: string } {
  if (!o.endedAt)
    return o.startedAt
      ? { text: "running", className: "text-status-running" }
      : { text: "starting…", className: "text-ink-muted" };
  if (o.error) return { text: o.error, className: "text-status-failed" };
  return o.exitCode === 0
    ? { text: "exit 0", className: "text-status-passed-ink" }
    : { text: `exit ${o.exitCode}`, className: "text-status-failed" };
}

/**
 * testing.md's operational commands on a held run (status, logs NODE, ssh NODE, stop, clean): a
 * button per operation (per VM where it takes one) for the holder, the same buttons disabled for
 * everyone else, and every operation run so far with who ran it and how it ended. Each one's
 * output is a console of the run, opened from here.
 */
export function OperationsPanel({ runId, ops }: { runId: string; ops: RunOperationsState }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.operations.list.queryKey({ runId }) });
  const open = (console: string) =>
    router.replace(`${pathname}?console=${encodeURIComponent(console)}`, { scroll: false });
  const start = useMutation(
    trpc.operations.start.mutationOptions({
      onSuccess: (op) => {
        refresh();
        open(op.console);
      },
    }),
  );
  const stop = useMutation(trpc.operations.stop.mutationOptions({ onSuccess: refresh }));
  const data = ops.data;
  if (!data || data.available.length === 0 || (!data.held && data.operations.length === 0)) return null;
  const run = (name: string, node: string | null) => start.mutate({ runId, name, node, ...ops.size.current });
  const disabled = !data.youMayRun || start.isPending;

  return (
    <section
      className="flex flex-col gap-2 rounded-md border border-line bg-surface px-3 py-2 text-sm"
      data-testid="operations"
    >
      <header className="flex flex-wrap items-baseline gap-x-3">
        <h2 className="font-semibold">Operations</h2>
        <span className="text-ink-muted" data-testid="operations-access">
          {!data.held
            ? "the hold has ended"
            : data.youMayRun
              ? "run on the held cluster from this run's worktree; each one's output is a console below"
              : `read-only: only ${data.heldBy ?? "the holder"} may run them`}
        </span>
      </header>
      {data.held && (
        <div className="flex flex-wrap items-center gap-x-4 gap-y-1.5">
          {data.available.map((op) => (
            <div key={op.name} className="inline-flex items-center gap-1" title={op.command.join(" ")}>
              {op.perNode ? (
                <>
                  <span className="text-ink-muted">{op.title}</span>
                  {data.nodes.map((node) => (
                    <Button
                      key={node}
                      size="xs"
                      variant="outline"
                      aria-label={`${op.name} ${node}`}
                      disabled={disabled}
                      onClick={() => run(op.name, node)}
                    >
                      {node}
                    </Button>
                  ))}
                </>
              ) : (
                <Button
                  size="xs"
                  variant={op.endsHold ? "default" : "outline"}
                  aria-label={op.name}
                  disabled={disabled}
                  onClick={() => run(op.name, null)}
                >
                  {op.title}
                  {op.endsHold && <span className="font-normal opacity-70">(ends the hold)</span>}
                </Button>
              )}
            </div>
          ))}
        </div>
      )}
      {start.error && <p className="text-status-failed">{start.error.message}</p>}
      {start.data?.note && (
        <p className="text-ink-muted" data-testid="operation-note">
          {start.data.note}
        </p>
      )}
      {stop.error && <p className="text-status-failed">{stop.error.message}</p>}
      {data.operations.length > 0 && (
        <ol className="flex flex-col gap-0.5" data-testid="operations-run">
          {data.operations.map((o) => {
            const end = outcome(o);
            return (
              <li key={o.id} className="flex flex-wrap items-baseline gap-x-2" data-operation={o.console}>
                <button
                  type="button"
                  className="font-mono underline-offset-2 hover:underline"
                  onClick={() => open(o.console)}
                  title={o.argv.join(" ")}
                >
                  {o.console}
                </button>
                <span className="text-ink-muted">
                  by {o.requestedBy} <RelativeTime date={o.requestedAt} />
                </span>
                <span className={end.className} data-testid="operation-outcome">
                  {end.text}
                </span>
                {o.live && data.youMayRun && (
                  <Button
                    size="xs"
                    variant="ghost"
                    aria-label={`Stop ${o.console}`}
                    disabled={stop.isPending}
                    onClick={() => stop.mutate({ runId, operationId: o.id })}
                  >
                    Stop
                  </Button>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
