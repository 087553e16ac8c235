import { RelativeTime } from "~/components/ui/relative-time";
import { Mono } from "~/components/ui/mono";
import type { Overview } from "./types";
import { SyncButton } from "./sync-button";

/** Which repository the board is about and how fresh its branch heads are. */
/** `canSync` is off when the empty state below already offers the one sync button. */
export function RepositoryBar({
  repository,
  canSync = true,
}: {
  repository: Overview["repository"];
  canSync?: boolean;
}) {
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
      <span className="font-semibold text-ink">{repository.name}</span>
      <Mono className="max-w-[40ch] truncate text-ink-muted" title={repository.url}>
        {repository.url}
      </Mono>
      <span className="text-ink-muted">
        {repository.lastSyncedAt ? (
          <>
            synced <RelativeTime date={repository.lastSyncedAt} />
          </>
        ) : (
          "never synced"
        )}
      </span>
      {repository.lastSyncError && (
        <span role="alert" className="min-w-0 text-status-failed [overflow-wrap:anywhere]">
          last sync failed: {repository.lastSyncError}
        </span>
      )}
      {canSync && (
        <span className="ml-auto">
          <SyncButton />
        </span>
      )}
    </div>
  );
}
