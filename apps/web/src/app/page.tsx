import type { Metadata } from "next";
import { ReadinessOverview } from "~/components/readiness/readiness-overview";

export const metadata: Metadata = { title: "Readiness" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** `?q=` filters the branches by name (shareable); a repeated parameter keeps its first value. */
export default async function ReadinessPage({ searchParams }: Props) {
  const q = (await searchParams).q;
  return <ReadinessOverview initialFilter={(Array.isArray(q) ? q[0] : q) ?? ""} />;
}
