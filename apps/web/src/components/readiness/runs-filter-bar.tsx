"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { RUN_STATUS_GROUPS, RUN_STATUS_FILTERS } from "@proofboard/domain/run-filter";
import { Input } from "~/components/ui/input";
import { Select } from "~/components/ui/select";
import { useTRPC } from "~/trpc/react";
import { runsHref } from "./links";
import { hasRunsFilter, type RunsFilter, type RunsFilterKey } from "./runs-filter";

/** Who can start a run besides a person (domain run-origin.ts): offered as requester suggestions. */
const TRIGGERS = ["push", "sync", "schedule", "retry", "needed", "manual", "missing"] as const;

function statusLabel(word: string): string {
  const group = (RUN_STATUS_GROUPS as Record<string, readonly string[]>)[word];
  return group ? `${word} (${group.join(", ").replaceAll("_", " ")})` : word.replaceAll("_", " ");
}

/**
 * One text filter: applied when focus leaves it, which Enter does, so one change is one history
 * entry. Keyed by its value in the URL, so the back button (a new URL) shows what the list is
 * filtered by, not what was last typed.
 */
function TextFilter({
  name,
  label,
  filter,
  apply,
  list,
  placeholder,
}: {
  name: RunsFilterKey;
  label: string;
  filter: RunsFilter;
  apply: (key: RunsFilterKey, value: string) => void;
  list?: string;
  placeholder: string;
}) {
  const current = filter[name] ?? "";
  return (
    <Input
      key={current}
      name={name}
      aria-label={label}
      title={label}
      placeholder={placeholder}
      defaultValue={current}
      list={list}
      maxLength={255}
      className="w-36"
      onBlur={(e) => {
        if (e.currentTarget.value.trim() !== current) apply(name, e.currentTarget.value.trim());
      }}
      onKeyDown={(e) => {
        if (e.key === "Enter") e.currentTarget.blur();
      }}
    />
  );
}

/** The runs page's filters: each change is a new URL (shareable, undone by Back) and starts again at the newest page. */
export function RunsFilterBar({ filter }: { filter: RunsFilter }) {
  const router = useRouter();
  const trpc = useTRPC();
  const hosts = useQuery(trpc.hosts.list.queryOptions());
  const lanes = useQuery(trpc.lanes.list.queryOptions());
  const apply = (key: RunsFilterKey, value: string) => {
    const { before: _page, ...rest } = filter;
    router.push(runsHref({ ...rest, [key]: value || undefined }));
  };
  // A URL may carry a list the menu does not offer ("timed_out,lost"): it stays selectable as typed.
  const statuses: readonly string[] =
    filter.status && !(RUN_STATUS_FILTERS as readonly string[]).includes(filter.status)
      ? [...RUN_STATUS_FILTERS, filter.status]
      : RUN_STATUS_FILTERS;
  return (
    <div
      role="search"
      aria-label="Filter runs"
      className="flex flex-wrap items-center gap-1.5"
      data-testid="runs-filters"
    >
      <Select
        name="status"
        aria-label="Status"
        title="Status"
        value={filter.status ?? ""}
        onChange={(e) => apply("status", e.target.value)}
        className="max-w-full"
      >
        <option value="">any status</option>
        {statuses.map((s) => (
          <option key={s} value={s}>
            {statusLabel(s)}
          </option>
        ))}
      </Select>
      <TextFilter name="lane" label="Lane" placeholder="lane" filter={filter} apply={apply} list="runs-filter-lanes" />
      <TextFilter name="branch" label="Branch" placeholder="branch" filter={filter} apply={apply} />
      <TextFilter
        name="requester"
        label="Started by: a person, or push, sync, schedule, retry"
        placeholder="started by"
        filter={filter}
        apply={apply}
        list="runs-filter-requesters"
      />
      <TextFilter
        name="host"
        label="Host name"
        placeholder="host"
        filter={filter}
        apply={apply}
        list="runs-filter-hosts"
      />
      <datalist id="runs-filter-lanes">
        {lanes.data?.catalog.lanes.map((l) => (
          <option key={l.name} value={l.name} />
        ))}
      </datalist>
      <datalist id="runs-filter-requesters">
        {TRIGGERS.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <datalist id="runs-filter-hosts">
        {hosts.data?.map((h) => (
          <option key={h.name} value={h.name} />
        ))}
      </datalist>
      {hasRunsFilter(filter) && (
        <Link href="/runs" className="px-1 text-sm font-medium text-status-running hover:underline">
          Clear filters
        </Link>
      )}
    </div>
  );
}
