import type { Metadata } from "next";
import { ReadinessOverview } from "~/components/readiness/readiness-overview";

export const metadata: Metadata = { title: "Readiness" };

export default function ReadinessPage() {
  return <ReadinessOverview />;
}
