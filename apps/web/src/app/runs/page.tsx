import type { Metadata } from "next";
import { RunsPage } from "~/components/readiness/runs-page";
import { runsFilterFrom, runsListInput } from "~/components/readiness/runs-filter";
import { Prefetch, serverTrpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Runs" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Filters live in the query string (runs-filter.ts): `/runs?status=failed&requester=push`. */
export default async function Page({ searchParams }: Props) {
  const filter = runsFilterFrom(await searchParams);
  return (
    <Prefetch queries={[serverTrpc.runs.list.queryOptions(runsListInput(filter))]}>
      <RunsPage filter={filter} />
    </Prefetch>
  );
}
