/**
 * The inputs of the queries pages open with, shared by the page's server-side prefetch
 * (app/…/page.tsx) and its client component: the same input is the same cache key, so the data
 * rendered into the first HTML is the data the component finds. A plain module, not "use client":
 * server components cannot read values exported from client modules.
 */

/** Rows the overview asks for at first and adds per "show more": a page an engineer scans, not 500 rows. */
export const OVERVIEW_PAGE = 100;

export function overviewInput(filter: string, limit: number = OVERVIEW_PAGE) {
  return { filter: filter || undefined, limit };
}

/** Commits the history grid offers; the first is what it opens with. */
export const HISTORY_DEPTHS = [20, 50, 100] as const;

export function historyInput(branch: string, commits: number = HISTORY_DEPTHS[0]) {
  return { branch, commits };
}

export function lanesInput(branch: string | undefined) {
  return branch ? { branch } : undefined;
}
