import type { Metadata } from "next";
import { NewsPage } from "~/components/news/news-page";

export const metadata: Metadata = { title: "News" };

export default function Page() {
  return <NewsPage />;
}
