/**
 * The runs page's filters as they live in its URL (`/runs?status=failed&host=kvm-01`), so a view
 * can be shared and the back button undoes a change. A plain module: the page's server-side
 * prefetch and its client component build the same query input from it (page-queries.ts).
 */

export const RUNS_FILTER_KEYS = ["status", "lane", "branch", "requester", "host"] as const;
export type RunsFilterKey = (typeof RUNS_FILTER_KEYS)[number];

export type RunsFilter = Partial<Record<RunsFilterKey, string>> & {
  /** the id of the last run of the page before (keyset paging) */
  before?: string;
};

/** Runs per page; the query asks for one more to know whether an older page exists. */
export const RUNS_PAGE = 100;

/** A repeated parameter keeps its first value; an empty one is no filter at all. */
function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v ? v : undefined;
}

export function runsFilterFrom(query: Record<string, string | string[] | undefined>): RunsFilter {
  const filter: RunsFilter = {};
  for (const key of [...RUNS_FILTER_KEYS, "before"] as const) {
    const v = first(query[key]);
    if (v !== undefined) filter[key] = v;
  }
  return filter;
}

export function hasRunsFilter(filter: RunsFilter): boolean {
  return RUNS_FILTER_KEYS.some((k) => filter[k] !== undefined);
}

/** The runs.list input of a page: the filters as typed (the API validates them) and one run over a page. */
export function runsListInput(filter: RunsFilter) {
  return { ...filter, limit: RUNS_PAGE + 1 };
}
