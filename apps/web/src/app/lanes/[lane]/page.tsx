import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { LaneHistoryPage } from "~/components/history/lane-page";
import { safeDecode } from "~/components/history/links";
import { visibleText } from "~/components/ui/visible-text";
import { lanePresence } from "~/server/found";
import { Prefetch, serverTrpc } from "~/trpc/server";

type Props = {
  params: Promise<{ lane: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

async function branchOf(searchParams: Props["searchParams"]): Promise<string | undefined> {
  const { branch } = await searchParams;
  return (Array.isArray(branch) ? branch[0] : branch) || undefined;
}

/** As on the branch page: metadata gets the segment decoded already (Next 16), the page still encoded; the page answers 404. */
export async function generateMetadata({ params, searchParams }: Props): Promise<Metadata> {
  const lane = (await params).lane;
  if ((await lanePresence(lane, await branchOf(searchParams))).state === "missing") return { title: "Lane not found" };
  return { title: `Lane · ${visibleText(lane)}` };
}

export default async function Page({ params, searchParams }: Props) {
  const lane = safeDecode((await params).lane);
  const branch = await branchOf(searchParams);
  if ((await lanePresence(lane, branch)).state === "missing") notFound();
  return (
    <Prefetch queries={[serverTrpc.history.lane.queryOptions({ lane, branch })]}>
      <LaneHistoryPage lane={lane} branch={branch} />
    </Prefetch>
  );
}
