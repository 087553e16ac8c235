import type { Metadata } from "next";
import { HistoryPage } from "~/components/history/history-page";
import { branchNameFromSegments } from "~/components/readiness/links";
import { visibleText } from "~/components/ui/visible-text";

type Props = { params: Promise<{ branch: string[] }> };

/** As on the branch page: metadata gets decoded segments, the page still-encoded ones (Next 16). */
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `History · ${visibleText((await params).branch.join("/"))}` };
}

export default async function Page({ params }: Props) {
  return <HistoryPage branch={branchNameFromSegments((await params).branch)} />;
}
