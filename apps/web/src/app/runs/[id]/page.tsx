import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { safeDecode } from "~/components/history/links";
import { RunView } from "~/components/run/run-view";
import { visibleText } from "~/components/ui/visible-text";
import { runPresence } from "~/server/found";
import { Prefetch, serverTrpc } from "~/trpc/server";

type Props = { params: Promise<{ id: string }> };

/** "fresh-smoke run #3": the lane and the attempt, which is how people tell runs apart in tabs. */
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const found = await runPresence(safeDecode((await params).id));
  if (found.state === "missing") return { title: "Run not found" };
  if (found.state === "unknown") return { title: "Run" };
  return { title: `${visibleText(found.value.lane)} run #${found.value.attempt}` };
}

/**
 * A server component, so an unknown run answers 404 before the client view renders, and the
 * first HTML already says how the run stands; its consoles stream in once the page is live.
 */
export default async function Page({ params }: Props) {
  const id = safeDecode((await params).id);
  if ((await runPresence(id)).state === "missing") notFound();
  return (
    <Prefetch queries={[serverTrpc.runs.get.queryOptions({ id })]}>
      <RunView id={id} />
    </Prefetch>
  );
}
