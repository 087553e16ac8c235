import type { Metadata } from "next";
import { HostsPage } from "~/components/readiness/hosts-page";
import { Prefetch, serverTrpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Hosts" };

export default function Page() {
  return (
    <Prefetch
      queries={[
        serverTrpc.hosts.list.queryOptions(),
        serverTrpc.hosts.target.queryOptions(),
        serverTrpc.hosts.storage.queryOptions(),
      ]}
    >
      <HostsPage />
    </Prefetch>
  );
}
