import { RelativeTime } from "~/components/ui/relative-time";
import { Sha } from "~/components/ui/mono";
import { cn } from "~/lib/utils";
import { VisibleText, visibleText } from "~/components/ui/visible-text";

export type CommitLineProps = {
  sha: string;
  commit: { subject: string; authorName: string; committedAt: string } | null;
  showAuthor?: boolean;
  className?: string;
};

/** sha · subject · when: commit text is untrusted, so it is only ever rendered as React text. */
export function CommitLine({ sha, commit, showAuthor = false, className }: CommitLineProps) {
  return (
    <span className={cn("flex min-w-0 items-center gap-1.5 text-sm text-ink-muted", className)}>
      <Sha sha={sha} />
      {commit ? (
        <>
          <span className="min-w-0 truncate text-ink" title={visibleText(commit.subject)}>
            <VisibleText text={commit.subject} />
          </span>
          {showAuthor && <span className="shrink-0 whitespace-nowrap">by {commit.authorName}</span>}
          <RelativeTime date={commit.committedAt} className="shrink-0" />
        </>
      ) : (
        <span>commit not recorded yet</span>
      )}
    </span>
  );
}
