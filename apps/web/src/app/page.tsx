import type { Metadata } from "next";
import { overviewInput } from "~/components/readiness/page-queries";
import { ReadinessOverview } from "~/components/readiness/readiness-overview";
import { Prefetch, serverTrpc } from "~/trpc/server";

// The root page shares the layout's segment, where the title template does not apply.
export const metadata: Metadata = { title: { absolute: "Readiness · Proofboard" } };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** `?q=` filters the branches by name (shareable); a repeated parameter keeps its first value. */
export default async function ReadinessPage({ searchParams }: Props) {
  const q = (await searchParams).q;
  const filter = (Array.isArray(q) ? q[0] : q) ?? "";
  // Rendered with its data: the first HTML already says which branches are release-ready.
  return (
    <Prefetch queries={[serverTrpc.branches.list.queryOptions(overviewInput(filter))]}>
      <ReadinessOverview initialFilter={filter} />
    </Prefetch>
  );
}
