"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Section } from "~/components/ui/card";
import { RelativeTime } from "~/components/ui/relative-time";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";
import { hostActivity } from "./host-activity";
import { HostClassBadge } from "./host-badge";
import { formatMemory, readCapabilities } from "./host-capabilities";
import { Loading, QueryError } from "./query-state";
import { LIVE_REFETCH_MS } from "./live";
import { TargetFetchLine } from "./target-fault";
import { ConsoleStorage } from "./console-storage";
import { formatBytes } from "~/lib/bytes";
import type { HostRow } from "./types";
import { VisibleText } from "~/components/ui/visible-text";

function Flag({ on, label }: { on: boolean | null; label: string }) {
  return (
    <span className={cn("whitespace-nowrap", on ? "text-ink" : "text-ink-muted line-through decoration-zinc-400")}>
      {label}
      {on == null && "?"}
    </span>
  );
}

function Capabilities({ raw }: { raw: unknown }) {
  const c = readCapabilities(raw);
  return (
    <span className="flex flex-wrap items-center gap-x-2.5 text-sm" title={c.kernel ? `kernel ${c.kernel}` : undefined}>
      <span title={(raw as { kvmNote?: string } | null)?.kvmNote ?? undefined}>
        <Flag on={c.kvm} label="KVM" />
      </span>
      <Flag on={c.nestedVirtualization} label="nested" />
      <span>{c.cpus ?? "?"} CPUs</span>
      <span>{c.memoryBytes != null ? formatMemory(c.memoryBytes) : "? GiB"}</span>
      <span className={c.qemuVersion ? undefined : "text-status-failed"}>
        {c.qemuVersion ? `QEMU ${c.qemuVersion}` : "no QEMU"}
      </span>
    </span>
  );
}

/**
 * Online, offline, or alive but cut off from PostgreSQL: its lanes go on and their writes wait in
 * spool files (the heartbeat in PostgreSQL then looks stale while its sign of life on Redis is fresh).
 */
function HostState({ host }: { host: HostRow }) {
  const state = !host.online ? "offline" : host.databaseUnreachable ? "cut-off" : "online";
  return (
    <span
      className={cn(
        "inline-flex flex-col text-sm font-medium",
        state === "online" && "text-status-passed-ink",
        state === "cut-off" && "text-status-infra-ink",
        state === "offline" && "text-ink-muted",
      )}
      title={
        state === "cut-off"
          ? "Heard from over Redis, but it cannot reach PostgreSQL: its lanes keep running and what they print waits on its disk until the database is back."
          : undefined
      }
    >
      <span className="inline-flex items-center gap-1.5">
        <span
          aria-hidden
          className={cn(
            "size-2 rounded-full",
            state === "online" && "bg-status-passed",
            state === "cut-off" && "bg-status-infra",
            state === "offline" && "bg-status-idle",
          )}
        />
        {state === "offline" ? "offline" : "online"}
      </span>
      {state === "cut-off" && (
        <span className="text-xs font-normal">no database · spooling {formatBytes(host.spooledBytes)}</span>
      )}
    </span>
  );
}

function HostTableRow({ host }: { host: HostRow }) {
  const { inUse, preparing } = hostActivity(host.slotsInUse, host.running.length);
  const busy = inUse > 0;
  return (
    <TR data-host={host.name} className={host.online ? undefined : "text-ink-muted"}>
      <TD>
        <span className="block font-mono font-medium">{host.name}</span>
        {host.worker && (
          <span
            className="block text-xs text-ink-muted"
            title={`worker ${host.worker.instanceId}; owns what its lanes start by ${host.worker.ownership ?? "?"}`}
          >
            pid {host.worker.pid ?? "?"} on {host.worker.machine ?? "?"} ·{" "}
            {host.worker.ownership?.startsWith("per-attempt cgroups") ? "cgroups" : "owner tokens"}
          </span>
        )}
      </TD>
      <TD data-online={host.online} data-database-unreachable={host.databaseUnreachable || undefined}>
        <HostState host={host} />
      </TD>
      <TD>
        <span className="flex gap-1">
          {host.classes.map((c) => (
            <HostClassBadge key={c} hostClass={c} />
          ))}
        </span>
      </TD>
      <TD className="font-mono text-sm">
        <span className={busy ? "font-semibold text-status-running" : undefined}>{inUse}</span> / {host.slots}
      </TD>
      <TD className="text-sm">
        {inUse === 0 ? (
          <span className="text-ink-muted">idle</span>
        ) : (
          <span className="flex flex-col">
            {host.running.map((r) => (
              <Link key={r.id} href={`/runs/${r.id}`} className="font-mono text-status-running hover:underline">
                <VisibleText text={r.lane} />{" "}
                <span className="text-ink-muted">
                  on <VisibleText text={r.branch} /> · {formatBytes(r.consoleBytes)}
                </span>
              </Link>
            ))}
            {preparing > 0 && (
              <span
                className="text-ink-muted"
                title="Slots its worker holds for runs it is preparing: fetching their commit, making their work folder, or waiting for the target."
              >
                {preparing} preparing
              </span>
            )}
          </span>
        )}
      </TD>
      <TD className="text-sm">
        <RelativeTime date={host.lastHeartbeatAt} seconds />
      </TD>
      <TD>
        <Capabilities raw={host.capabilities} />
      </TD>
    </TR>
  );
}

/** The workers' hosts: what each can run (measured, not declared) and whether it is alive. */
export function HostsPage() {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.hosts.list.queryOptions(), refetchInterval: LIVE_REFETCH_MS });
  const target = useQuery({ ...trpc.hosts.target.queryOptions(), refetchInterval: LIVE_REFETCH_MS });
  const hosts = query.data;
  const online = hosts?.filter((h) => h.online).length ?? 0;
  return (
    <div className="flex flex-col gap-3">
      <Section title="Hosts" description={hosts?.length ? `${online} of ${hosts.length} online` : undefined} flush>
        {target.data && <TargetFetchLine target={target.data} />}
        {hosts === undefined ? (
          query.isError ? (
            <QueryError error={query.error} what="hosts" className="m-3" />
          ) : (
            <Loading what="hosts" />
          )
        ) : hosts.length === 0 ? (
          <p className="px-3 py-6 text-sm text-ink-muted">
            No host has registered. Start a worker on a KVM host (<code>pnpm exec tsx apps/worker/src/main.ts</code>);
            it measures what the host can run and appears here.
          </p>
        ) : (
          <Table>
            <THead>
              <TR>
                <TH>Host</TH>
                <TH>State</TH>
                <TH>Runs lanes of</TH>
                <TH>Slots in use</TH>
                <TH>Running</TH>
                <TH>Last heartbeat</TH>
                <TH>Capabilities</TH>
              </TR>
            </THead>
            <TBody>
              {hosts.map((host) => (
                <HostTableRow key={host.name} host={host} />
              ))}
            </TBody>
          </Table>
        )}
      </Section>
      <ConsoleStorage />
    </div>
  );
}
