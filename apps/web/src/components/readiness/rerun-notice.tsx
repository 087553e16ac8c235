"use client";

import Link from "next/link";
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { VisibleText } from "~/components/ui/visible-text";
import { runHref } from "./links";

export type QueuedRun = { id: string; lane: string };
type Notice = { key: number; branch: string; runs: QueuedRun[]; note: string | null };
type RerunNotices = {
  /** Say what a Rerun (or "Rerun what is missing") just queued, and the server's note (Redis unreachable). */
  queued: (branch: string, runs: QueuedRun[], note?: string | null) => void;
  /** Runs queued from this page, so their rows can mark the link that leads to them. */
  justQueued: ReadonlySet<string>;
  notice: Notice | null;
  dismiss: () => void;
};

const NONE: RerunNotices = { queued: () => {}, justQueued: new Set(), notice: null, dismiss: () => {} };
const Context = createContext<RerunNotices>(NONE);

/**
 * After a rerun the new run is one click away: the page keeps what was queued here, the lane row
 * highlights its link once it shows that run, and a notice names it with a link to watch it.
 * Outside a provider the buttons still work, they just say nothing more.
 */
export function RerunNoticeProvider({ children }: { children: ReactNode }) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const [justQueued, setJustQueued] = useState<ReadonlySet<string>>(new Set());
  const queued = useCallback((branch: string, runs: QueuedRun[], note: string | null = null) => {
    setNotice((n) => ({ key: (n?.key ?? 0) + 1, branch, runs, note }));
    setJustQueued((s) => new Set([...s, ...runs.map((r) => r.id)]));
  }, []);
  const dismiss = useCallback(() => setNotice(null), []);
  const value = useMemo(() => ({ queued, justQueued, notice, dismiss }), [queued, justQueued, notice, dismiss]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useRerunNotices(): RerunNotices {
  return useContext(Context);
}

/** "Queued fresh-smoke on main — watch it", or the list a "Rerun what is missing" queued. */
export function RerunNotice() {
  const { notice, dismiss } = useRerunNotices();
  if (!notice) return null;
  const { branch, runs, note } = notice;
  return (
    <div
      key={notice.key}
      role="status"
      data-testid="rerun-notice"
      className="flex items-start justify-between gap-3 rounded-md border border-status-running-edge bg-status-running-soft px-3 py-2 text-sm text-ink"
    >
      <div className="min-w-0 [overflow-wrap:anywhere]">
        {runs.length === 0 && (
          <span>
            Nothing queued on <VisibleText text={branch} className="font-mono" />: every missing lane is already under
            way.
          </span>
        )}
        {runs.length === 1 && (
          <span>
            Queued <span className="font-mono font-medium">{runs[0]!.lane}</span> on{" "}
            <VisibleText text={branch} className="font-mono" /> —{" "}
            <Link href={runHref(runs[0]!.id)} className="font-medium text-status-running underline underline-offset-2">
              watch it
            </Link>
          </span>
        )}
        {runs.length > 1 && (
          <span>
            Queued {runs.length} runs on <VisibleText text={branch} className="font-mono" />:{" "}
            {runs.map((r, i) => (
              <span key={r.id}>
                {i > 0 && ", "}
                <Link
                  href={runHref(r.id)}
                  className="font-mono font-medium text-status-running underline underline-offset-2"
                >
                  {r.lane}
                </Link>
              </span>
            ))}
          </span>
        )}
        {note && (
          <div className="mt-1 text-status-failed" data-testid="rerun-notice-note">
            {note}
          </div>
        )}
      </div>
      <button type="button" onClick={dismiss} aria-label="Dismiss" className="shrink-0 text-ink-muted hover:text-ink">
        ×
      </button>
    </div>
  );
}
