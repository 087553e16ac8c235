"use client";

import { Section } from "~/components/ui/card";
import { formatApprox } from "~/lib/time";
import { cn } from "~/lib/utils";
import { RerunMissing } from "./rerun-missing";
import type { BranchDetail } from "./types";

function VerdictLine({ verdict }: { verdict: BranchDetail["verdict"] }) {
  if (!verdict) return null;
  switch (verdict.kind) {
    case "ready":
      return <span className="text-status-passed-ink">Release-ready on this commit.</span>;
    case "not-ready":
      return <span className="text-status-failed">Verdict known: a release lane failed on this commit.</span>;
    case "not-started":
      return <span>Some release lanes have not run on this commit: rerun what is missing to get a verdict.</span>;
    case "pending":
      if (verdict.noHost.length > 0) {
        return (
          <span className="text-status-warn-ink">
            Verdict pending: no live host can run {verdict.noHost.join(", ")}; they wait until one serving their class
            is up.
          </span>
        );
      }
      return verdict.seconds === null ? (
        <span>Verdict pending; no usual duration yet for {verdict.unknown.join(", ")}.</span>
      ) : (
        <span data-testid="eta">
          Verdict in <span className="font-semibold">{formatApprox(verdict.seconds * 1000)}</span>, from each lane's
          recent passes on its host class, on the live hosts' slots.
        </span>
      );
  }
}

/** What the branch needs next: when the verdict comes, what to rerun, and which components are proven. */
export function VerdictPanel({ detail }: { detail: BranchDetail }) {
  const release = detail.gates.filter((g) => g.release);
  const idle = new Set(
    // a failed lane whose rerun is under way is not idle: the server would not queue it again either
    release.flatMap((g) =>
      g.lanes
        .filter((l) => g.missing.includes(l.lane) && (l.state === "failed" || l.state === "never-run") && !l.rerun)
        .map((l) => l.lane),
    ),
  );
  const proven = detail.coverage.filter((c) => c.provenBy.length > 0).length;
  return (
    <Section
      title="Next"
      description={<VerdictLine verdict={detail.verdict} />}
      actions={<RerunMissing branch={detail.name} count={idle.size} label="Rerun everything missing" />}
    >
      <div className="flex flex-wrap items-center gap-1 text-sm" data-testid="coverage">
        <span className="mr-1 text-ink-muted">
          Components proven on this commit ({proven} of {detail.coverage.length}):
        </span>
        {detail.coverage.map((c) => (
          <span
            key={c.component}
            title={
              c.provenBy.length
                ? `proven by ${c.provenBy.join(", ")}`
                : c.coveredBy.length
                  ? `covered by ${c.coveredBy.join(", ")}, not green here`
                  : "no lane covers it"
            }
            className={cn(
              "rounded border px-1.5 font-mono text-xs",
              c.provenBy.length
                ? "border-status-passed-edge bg-status-passed-soft text-status-passed-ink"
                : c.coveredBy.length
                  ? "border-line text-ink-muted"
                  : "border-dashed border-line text-ink-muted",
            )}
          >
            {c.component}
          </span>
        ))}
      </div>
    </Section>
  );
}
