import type { Metadata } from "next";
import { LanesPage } from "~/components/readiness/lanes-page";

export const metadata: Metadata = { title: "Lanes" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function Page({ searchParams }: Props) {
  const { branch } = await searchParams;
  const name = Array.isArray(branch) ? branch[0] : branch;
  return <LanesPage branch={name || undefined} />;
}
