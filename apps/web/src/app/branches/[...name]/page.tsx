import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { BranchPage } from "~/components/readiness/branch-page";
import { branchNameFromSegments } from "~/components/readiness/links";
import { visibleText } from "~/components/ui/visible-text";
import { branchPresence } from "~/server/found";
import { Prefetch, serverTrpc } from "~/trpc/server";

type Props = { params: Promise<{ name: string[] }> };

/**
 * Next 16 hands generateMetadata the segments already decoded but the page still percent-encoded
 * (seen with a branch literally named "%41"), so only the page decodes. The page alone answers
 * 404 (notFound() from generateMetadata can stream as a 200); the title only says so.
 */
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const name = (await params).name.join("/");
  if ((await branchPresence(name)).state === "missing") return { title: "Branch not found" };
  return { title: visibleText(name) };
}

export default async function Page({ params }: Props) {
  const name = branchNameFromSegments((await params).name);
  if ((await branchPresence(name)).state === "missing") notFound();
  // Rendered with its data: the first HTML already holds the verdict and every gate's lanes.
  return (
    <Prefetch queries={[serverTrpc.branches.get.queryOptions({ name })]}>
      <BranchPage name={name} />
    </Prefetch>
  );
}
