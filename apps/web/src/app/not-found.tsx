import type { Metadata } from "next";
import { NotFoundPanel } from "~/components/ui/not-found-panel";

export const metadata: Metadata = { title: "Not found" };

export default function NotFound() {
  return <NotFoundPanel kind="page" back={{ href: "/", label: "Back to the overview" }} />;
}
