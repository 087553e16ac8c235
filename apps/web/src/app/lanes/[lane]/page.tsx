import type { Metadata } from "next";
import { LaneHistoryPage } from "~/components/history/lane-page";
import { safeDecode } from "~/components/history/links";
import { visibleText } from "~/components/ui/visible-text";

type Props = {
  params: Promise<{ lane: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/** As on the branch page: metadata gets the segment decoded already (Next 16), the page still encoded. */
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Lane · ${visibleText((await params).lane)}` };
}

export default async function Page({ params, searchParams }: Props) {
  const { branch } = await searchParams;
  const name = Array.isArray(branch) ? branch[0] : branch;
  return <LaneHistoryPage lane={safeDecode((await params).lane)} branch={name || undefined} />;
}
