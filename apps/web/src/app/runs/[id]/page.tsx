"use client";

import { use } from "react";
import { RunView } from "~/components/run/run-view";

export default function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  return <RunView id={decodeURIComponent(id)} />;
}
