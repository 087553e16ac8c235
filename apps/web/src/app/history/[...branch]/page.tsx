import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { HistoryPage } from "~/components/history/history-page";
import { branchNameFromSegments } from "~/components/readiness/links";
import { historyInput } from "~/components/readiness/page-queries";
import { visibleText } from "~/components/ui/visible-text";
import { branchPresence } from "~/server/found";
import { Prefetch, serverTrpc } from "~/trpc/server";

type Props = { params: Promise<{ branch: string[] }> };

/** As on the branch page: metadata gets decoded segments, the page still-encoded ones (Next 16); the page answers 404. */
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const name = (await params).branch.join("/");
  if ((await branchPresence(name)).state === "missing") return { title: "Branch not found" };
  return { title: `History · ${visibleText(name)}` };
}

export default async function Page({ params }: Props) {
  const name = branchNameFromSegments((await params).branch);
  if ((await branchPresence(name)).state === "missing") notFound();
  return (
    <Prefetch queries={[serverTrpc.history.branchGrid.queryOptions(historyInput(name))]}>
      <HistoryPage branch={name} />
    </Prefetch>
  );
}
