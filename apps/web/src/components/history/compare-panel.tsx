"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";
import { branchHref, runHref } from "~/components/readiness/links";
import { QueryError } from "~/components/readiness/query-state";
import { Section } from "~/components/ui/card";
import { Mono, Sha } from "~/components/ui/mono";
import { RelativeTime } from "~/components/ui/relative-time";
import { StatusBadge } from "~/components/ui/status-badge";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";
import { formatDelta, formatSeconds } from "./format";
import { laneHref } from "./links";
import type { Comparison } from "./types";
import { VisibleText, visibleText } from "~/components/ui/visible-text";

/** Endings worth explaining against a pass; a cancel or an unsupported host explains itself. */
const FAILING = new Set(["failed", "timed_out", "error", "lost"]);

type Side = NonNullable<Comparison["good"]>;

type RowProps = { label: string; good: ReactNode; bad: ReactNode; differs?: boolean; fingerprintKey?: boolean };

/** `differs` tints this run's side: the eye goes straight to what changed. */
function Row({ label, good, bad, differs = false, fingerprintKey = false }: RowProps) {
  return (
    <tr className="border-b border-line/70 align-top last:border-b-0">
      <th
        scope="row"
        title={fingerprintKey ? "host fingerprint, as the worker measured it" : undefined}
        className={cn(
          "w-28 truncate py-1 pr-3 text-left text-xs font-medium whitespace-nowrap text-ink-muted",
          fingerprintKey ? "font-mono font-normal" : "tracking-wide uppercase",
        )}
      >
        {label}
      </th>
      <td className="min-w-0 py-1 pr-3 [overflow-wrap:anywhere]">{good}</td>
      <td className={cn("min-w-0 py-1 [overflow-wrap:anywhere]", differs && "bg-highlight")}>{bad}</td>
    </tr>
  );
}

function RunCell({ run }: { run: Side }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1.5">
      <StatusBadge status={run.status} />
      <Link href={runHref(run.id)} className="text-status-running hover:underline">
        run{run.attempt > 1 ? ` #${run.attempt}` : ""}
      </Link>
      {run.finishedAt && <RelativeTime date={run.finishedAt} className="text-ink-muted" />}
    </span>
  );
}

function CommitCell({ run }: { run: Side }) {
  return (
    <span className="flex min-w-0 items-center gap-1.5">
      <Sha sha={run.commitSha} length={8} />
      <span className="min-w-0 truncate" title={run.subject ? visibleText(run.subject) : undefined}>
        <VisibleText text={run.subject ?? ""} />
      </span>
    </span>
  );
}

/** "18 s", "5 min", "3 h", "2 d": how long apart two runs ended, in words a sentence can carry. */
function formatGap(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

const show = (v: string | number | boolean | null) => (v === null ? "—" : String(v));

function Between({ between }: { between: NonNullable<Comparison["between"]> }) {
  const note = {
    "same-commit": "Same commit: the code did not change, so the lane or its host did (a flake?).",
    ancestor: null,
    "not-ancestor":
      "The good run's commit is not an ancestor of this one (another branch, or history rewritten): these are the commits on this run's side since they diverged.",
    unknown: `Git could not relate the two commits${between.error ? `: ${between.error}` : ""}.`,
  }[between.relation];
  return (
    <div className="flex flex-col gap-1">
      <h3 className="text-xs font-medium tracking-wide text-ink-muted uppercase">
        Commits between
        {between.commits.length > 0 && ` (${between.commits.length}${between.truncated ? "+, newest 50" : ""})`}
      </h3>
      {note && <p className="text-sm text-ink-muted">{note}</p>}
      {between.commits.length > 0 && (
        <ol className="flex max-h-64 flex-col overflow-y-auto text-sm" data-testid="compare-commits">
          {between.commits.map((c) => (
            <li key={c.sha} className="flex min-w-0 items-center gap-1.5 py-0.5">
              <Sha sha={c.sha} length={8} />
              <span className="min-w-0 truncate" title={visibleText(c.subject)}>
                <VisibleText text={c.subject} />
              </span>
              <span className="shrink-0 text-ink-muted">{c.authorName}</span>
              <RelativeTime date={c.committedAt} className="shrink-0 text-ink-muted" />
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function Comparing({ c, good }: { c: Comparison; good: Side }) {
  const bad = c.run;
  return (
    <div className="flex flex-col gap-3">
      <table className="w-full table-fixed border-collapse text-sm">
        <colgroup>
          <col className="w-28" />
          <col />
          <col />
        </colgroup>
        <thead>
          <tr className="border-b border-line text-left text-xs text-ink-muted">
            <th />
            <th className="py-1 font-medium">
              {c.when === "after" ? "Nearest good" : "Last good"}
              <span className="font-normal">
                {c.scope === "ancestor" && " (nearest passing ancestor)"}
                {c.scope === "any-branch" && " (none on this line of history; from another branch)"}
              </span>
              {c.when === "after" && (
                <span className="block font-normal" data-testid="compare-after">
                  No pass finished before this run; this one passed{" "}
                  {c.gapSeconds === null ? "" : `${formatGap(c.gapSeconds)} `}after it.
                </span>
              )}
            </th>
            <th className="py-1 font-medium">This run</th>
          </tr>
        </thead>
        <tbody>
          <Row label="Run" good={<RunCell run={good} />} bad={<RunCell run={bad} />} />
          <Row
            label="Commit"
            good={<CommitCell run={good} />}
            bad={<CommitCell run={bad} />}
            differs={good.commitSha !== bad.commitSha}
          />
          <Row
            label="Branch"
            good={
              <Link href={branchHref(good.branch)} className="font-mono hover:underline">
                <VisibleText text={good.branch} />
              </Link>
            }
            bad={
              <Link href={branchHref(bad.branch)} className="font-mono hover:underline">
                <VisibleText text={bad.branch} />
              </Link>
            }
            differs={good.branch !== bad.branch}
          />
          <Row
            label="Duration"
            good={<span className="font-mono">{formatSeconds(good.seconds)}</span>}
            bad={
              <span className="font-mono">
                {formatSeconds(bad.seconds)}
                {c.durationDeltaSeconds != null && (
                  <span className="ml-1.5 text-ink-muted">({formatDelta(c.durationDeltaSeconds)})</span>
                )}
              </span>
            }
          />
          <Row
            label="Host"
            good={<Mono>{show(good.hostName)}</Mono>}
            bad={<Mono>{show(bad.hostName)}</Mono>}
            differs={good.hostName !== bad.hostName}
          />
          {c.hostDifferences
            .filter((d) => d.key !== "host")
            .map((d) => (
              <Row
                key={d.key}
                label={d.key}
                fingerprintKey
                good={<Mono>{show(d.good)}</Mono>}
                bad={<Mono>{show(d.bad)}</Mono>}
                differs
              />
            ))}
          <Row
            label="Exit code"
            good={<Mono>{show(good.exitCode)}</Mono>}
            bad={<Mono>{show(bad.exitCode)}</Mono>}
            differs={good.exitCode !== bad.exitCode}
          />
          <Row
            label="Reason"
            good={<span className="text-ink-muted">{good.reason ?? "—"}</span>}
            bad={
              <span>
                {bad.failureKind ? <span className="font-semibold">{bad.failureKind}: </span> : null}
                {bad.reason ?? "—"}
              </span>
            }
          />
        </tbody>
      </table>
      {c.hostDifferences.length === 0 && (
        <p className="text-sm text-ink-muted">
          Same host fingerprint: name, KVM, CPUs, memory, QEMU and kernel all match.
        </p>
      )}
      {c.between && <Between between={c.between} />}
    </div>
  );
}

/** On a failed run's page: the lane's last good run before it (none: the nearest after), and what changed between. */
export function ComparePanel({ runId, status }: { runId: string; status: string }) {
  const trpc = useTRPC();
  const failing = FAILING.has(status);
  const query = useQuery({ ...trpc.history.compare.queryOptions({ runId }), enabled: failing });
  if (!failing) return null;
  const c = query.data;
  return (
    <Section
      title="Compare with last good"
      data-testid="compare-panel"
      actions={
        c ? (
          <Link href={laneHref(c.run.lane)} className="text-sm text-status-running hover:underline">
            Lane history
          </Link>
        ) : null
      }
    >
      {c === undefined ? (
        query.isError ? (
          <QueryError error={query.error} what="the comparison" />
        ) : (
          <p className="text-sm text-ink-muted">Looking for the last good run…</p>
        )
      ) : c.good === null ? (
        <p className="text-sm text-ink-muted">
          No pass of <VisibleText className="font-mono" text={c.run.lane} /> on any branch, before or after this run:
          nothing to compare with.
        </p>
      ) : (
        <Comparing c={c} good={c.good} />
      )}
    </Section>
  );
}
