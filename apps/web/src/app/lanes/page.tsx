import type { Metadata } from "next";
import { LanesPage } from "~/components/readiness/lanes-page";
import { lanesInput } from "~/components/readiness/page-queries";
import { Prefetch, serverTrpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Lanes" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function Page({ searchParams }: Props) {
  const { branch } = await searchParams;
  const name = Array.isArray(branch) ? branch[0] : branch;
  const branchName = name || undefined;
  return (
    <Prefetch queries={[serverTrpc.lanes.list.queryOptions(lanesInput(branchName))]}>
      <LanesPage branch={branchName} />
    </Prefetch>
  );
}
