import type { Metadata } from "next";
import { RunsPage } from "~/components/readiness/runs-page";

export const metadata: Metadata = { title: "Runs" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** A repeated parameter keeps its first value; an empty one is no filter at all. */
function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v ? v : undefined;
}

export default async function Page({ searchParams }: Props) {
  const query = await searchParams;
  return <RunsPage filter={{ branch: first(query.branch), lane: first(query.lane) }} />;
}
