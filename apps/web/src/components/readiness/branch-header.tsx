import Link from "next/link";
import { Card } from "~/components/ui/card";
import { Mono } from "~/components/ui/mono";
import { historyHref } from "~/components/history/links";
import { CommitLine } from "./commit-line";
import { LaneChip } from "./lane-chip";
import { runsHref } from "./links";
import type { BranchDetail } from "./types";
import { Verdict } from "./verdict";
import { VisibleText } from "~/components/ui/visible-text";

function MissingLine({ detail }: { detail: BranchDetail }) {
  if (detail.catalogError != null) return null;
  if (detail.missing.length === 0) {
    return <p className="text-sm text-status-passed-ink">Every release gate passed on this exact commit.</p>;
  }
  return (
    <div className="flex flex-wrap items-center gap-1 text-sm">
      <span className="text-ink-muted">Missing for release on this commit:</span>
      {detail.missing.map((name) => {
        const readiness = detail.lanes.find((l) => l.name === name)?.readiness;
        return readiness ? <LaneChip key={name} readiness={readiness} /> : <Mono key={name}>{name}</Mono>;
      })}
    </div>
  );
}

/** Which branch, at which commit, judged by which catalog, and the verdict. */
export function BranchHeader({ detail }: { detail: BranchDetail }) {
  return (
    <Card className="flex flex-col gap-2 px-3 py-2.5">
      <div className="flex flex-wrap items-center gap-3">
        <Verdict ready={detail.releaseReady} size="lg" />
        <h1 className="min-w-0 font-mono text-lg font-semibold [overflow-wrap:anywhere] text-ink">
          <VisibleText text={detail.name} />
        </h1>
        <Link href={historyHref(detail.name)} className="ml-auto text-sm text-status-running hover:underline">
          History
        </Link>
        <Link href={runsHref({ branch: detail.name })} className="text-sm text-status-running hover:underline">
          All runs of this branch
        </Link>
      </div>
      <CommitLine sha={detail.headSha} commit={detail.commit} showAuthor />
      <div className="flex flex-wrap items-center gap-1.5 text-sm text-ink-muted">
        catalog
        <Link href={`/lanes?branch=${encodeURIComponent(detail.name)}`} className="hover:underline">
          <Mono title="the catalog that decides this commit's lanes and gates; open it">{detail.catalogSource}</Mono>
        </Link>
      </div>
      <MissingLine detail={detail} />
    </Card>
  );
}
