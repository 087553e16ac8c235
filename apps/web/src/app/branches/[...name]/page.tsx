import type { Metadata } from "next";
import { BranchPage } from "~/components/readiness/branch-page";
import { branchNameFromSegments } from "~/components/readiness/links";
import { visibleText } from "~/components/ui/visible-text";

type Props = { params: Promise<{ name: string[] }> };

/**
 * Next 16 hands generateMetadata the segments already decoded but the page still percent-encoded
 * (seen with a branch literally named "%41"), so only the page decodes. The title is cosmetic; the
 * page's name is the one that reaches the API.
 */
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: visibleText((await params).name.join("/")) };
}

export default async function Page({ params }: Props) {
  return <BranchPage name={branchNameFromSegments((await params).name)} />;
}
