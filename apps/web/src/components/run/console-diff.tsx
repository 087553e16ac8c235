"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment, useState } from "react";
import { runHref } from "~/components/readiness/links";
import { Button } from "~/components/ui/button";
import { Section } from "~/components/ui/card";
import { Mono, Sha } from "~/components/ui/mono";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import { lineHref } from "./console-facts";
import { errorText } from "./search-consoles";
import { VisibleText } from "~/components/ui/visible-text";

type Diff = RouterOutputs["consoles"]["diff"];
type Different = Extract<Diff, { kind: "different" }>;
type Good = NonNullable<Diff["good"]>;

/** Endings worth explaining against a pass (as the compare panel has it). */
const FAILING = new Set(["failed", "timed_out", "error", "lost"]);

const SCOPE: Record<string, string> = {
  ancestor: "nearest passing ancestor",
  branch: "last pass on this branch",
  "any-branch": "last pass on any branch",
};

function GoodRun({ good }: { good: Good }) {
  return (
    <span className="inline-flex items-center gap-1.5">
      <Link href={runHref(good.id)} className="text-status-running hover:underline">
        last good run
      </Link>
      <Sha sha={good.commitSha} length={8} />
      {good.scope && <span className="text-ink-muted">({SCOPE[good.scope]})</span>}
    </span>
  );
}

const ROW: Record<string, string> = { "=": "", "-": "bg-status-failed-soft", "+": "bg-status-passed-soft" };
const SIGN: Record<string, string> = { "=": " ", "-": "−", "+": "+" };

function Hunks({ d, runId }: { d: Different; runId: string }) {
  const lineLink = (run: string, line: number | null, label: string) =>
    line === null ? null : (
      <Link href={lineHref(run, d.console, line)} className="hover:underline" aria-label={label}>
        {line}
      </Link>
    );
  return (
    <table className="w-full table-fixed border-collapse font-mono text-xs leading-5" data-testid="console-diff-lines">
      <colgroup>
        <col className="w-12" />
        <col className="w-12" />
        <col className="w-5" />
        <col />
      </colgroup>
      <thead>
        <tr className="border-b border-line text-left font-sans text-xs text-ink-muted">
          <th className="pr-2 text-right font-medium" title="line in the last good run">
            good
          </th>
          <th className="pr-2 text-right font-medium" title="line in this run">
            this
          </th>
          <th />
          <th className="font-medium">− only in the last good run, + only in this run</th>
        </tr>
      </thead>
      <tbody>
        {d.hunks.map((h, i) => (
          <Fragment key={i}>
            {i > 0 && (
              <tr>
                <td colSpan={4} className="py-0.5 text-center text-ink-muted">
                  ⋯
                </td>
              </tr>
            )}
            {h.lines.map((l, j) => (
              <tr key={j} className={ROW[l.op]} data-op={l.op}>
                <td className="pr-2 text-right text-ink-muted tabular-nums">
                  {lineLink(d.good.id, l.goodLine, `last good run line ${l.goodLine}`)}
                </td>
                <td className="pr-2 text-right text-status-running tabular-nums">
                  {lineLink(runId, l.runLine, `this run line ${l.runLine}`)}
                </td>
                <td
                  className={cn(
                    "select-none",
                    l.op === "-" && "text-status-failed",
                    l.op === "+" && "text-status-passed",
                  )}
                >
                  {SIGN[l.op]}
                </td>
                <td className="whitespace-pre-wrap [overflow-wrap:anywhere]">{l.text}</td>
              </tr>
            ))}
            {h.omitted > 0 && (
              <tr>
                <td colSpan={4} className="py-0.5 font-sans text-ink-muted">
                  … {h.omitted} more lines in this hunk
                </td>
              </tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function Answer({ d, runId }: { d: Diff; runId: string }) {
  const name = <Mono>{d.console}</Mono>;
  if (d.kind === "no-good-run") {
    return (
      <p className="text-sm text-ink-muted">
        No pass of <VisibleText className="font-mono" text={d.run.lane} /> on any branch, before or after this run:
        nothing to compare with.
      </p>
    );
  }
  if (d.kind === "absent-in-good") {
    return (
      <p className="text-sm text-ink-muted">
        The <GoodRun good={d.good} /> has no console {name}
        {d.goodConsoles.length > 0 ? `; it has ${d.goodConsoles.join(", ")}.` : "."}
      </p>
    );
  }
  const limited = d.limited && (
    <span className="text-status-timeout">
      {" "}
      Compared the first {d.limited.lines.toLocaleString("en")} lines only ({(d.limited.bytes / 1e6).toFixed(0)} MB).
    </span>
  );
  if (d.kind === "identical") {
    return (
      <p className="text-sm" data-testid="console-diff-identical">
        {name} is the same as in the <GoodRun good={d.good} /> after normalisation ({d.lines.toLocaleString("en")}{" "}
        lines).{limited}
      </p>
    );
  }
  const first = d.firstDifference;
  return (
    <div className="flex flex-col gap-1.5">
      <p className="text-sm" data-testid="console-diff-first">
        {name} first differs from the <GoodRun good={d.good} /> at{" "}
        {first.runLine !== null ? `line ${first.runLine}` : `its end (the good run went on at line ${first.goodLine})`}
        {first.runLine !== null && first.goodLine === null && " (the good run's console ended there)"}.{limited}
      </p>
      <Hunks d={d} runId={runId} />
    </div>
  );
}

/** Consoles worth diffing: the VMs first (their boots are what normalisation is for), then the harness. */
function diffable(consoles: readonly { name: string; kind: string }[]): string[] {
  const vms = consoles.filter((c) => c.kind !== "harness" && c.kind !== "operation").map((c) => c.name);
  return [...vms, ...consoles.filter((c) => c.kind === "harness").map((c) => c.name)];
}

/** On a failed run's page: each console against the same console of the lane's last good run, first differing lines. */
export function ConsoleDiff({
  runId,
  status,
  consoles,
}: {
  runId: string;
  status: string;
  consoles: readonly { name: string; kind: string }[];
}) {
  const trpc = useTRPC();
  const names = diffable(consoles);
  const [selected, setSelected] = useState<string | null>(null);
  const failing = FAILING.has(status);
  const query = useQuery({
    ...trpc.consoles.diff.queryOptions({ runId, console: selected ?? "" }),
    enabled: failing && selected !== null,
  });
  if (!failing || names.length === 0) return null;
  return (
    <Section
      title="Diff with last good"
      data-testid="console-diff"
      description="per console, after normalising clocks, timestamps, addresses, ids, pids and durations"
    >
      <div className="flex flex-wrap items-center gap-1.5">
        {names.map((n) => (
          <Button
            key={n}
            size="xs"
            variant={selected === n ? "default" : "outline"}
            aria-pressed={selected === n}
            aria-label={`Diff ${n} with last good`}
            onClick={() => setSelected(n)}
          >
            {n}
          </Button>
        ))}
      </div>
      {selected !== null && (
        <div className="mt-2">
          {query.data ? (
            <Answer d={query.data} runId={runId} />
          ) : query.error ? (
            <p role="alert" className="text-sm text-status-failed">
              {errorText(query.error.message)}
            </p>
          ) : (
            <p className="text-sm text-ink-muted">Comparing {selected} with the last good run…</p>
          )}
        </div>
      )}
    </Section>
  );
}
