"use client";

import { useQuery } from "@tanstack/react-query";
import { Section } from "~/components/ui/card";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { formatBytes } from "~/lib/bytes";
import { useTRPC } from "~/trpc/react";
import { LIVE_REFETCH_MS } from "./live";

/**
 * Console bytes on disk by week of expiry: retention drops a week whole on the day shown, so an
 * operator sees what a year of consoles takes and when space comes back.
 */
export function ConsoleStorage() {
  const trpc = useTRPC();
  const { data } = useQuery({ ...trpc.hosts.storage.queryOptions(), refetchInterval: LIVE_REFETCH_MS * 6 });
  if (!data) return null;
  const kept = data.defaultRetentionDays == null ? "kept for ever" : `kept ${data.defaultRetentionDays} days`;
  return (
    <Section
      title="Console storage"
      description={`${formatBytes(data.bytes)} on disk · consoles ${kept} unless a lane says otherwise (consoleRetentionDays) · ${data.backlog} not yet compacted`}
      flush
      data-testid="console-storage"
    >
      <Table>
        <THead>
          <TR>
            <TH>Consoles expiring</TH>
            <TH>Dropped on</TH>
            <TH className="text-right">Consoles</TH>
            <TH className="text-right">On disk</TH>
          </TR>
        </THead>
        <TBody>
          {data.weeks.map((w) => (
            <TR key={w.from ?? "kept"} data-week={w.from ?? "kept"}>
              <TD className="font-mono text-sm">{w.from ? `week of ${w.from}` : "never (kept for ever)"}</TD>
              <TD className="font-mono text-sm">{w.dropsOn ?? <span className="text-ink-muted">—</span>}</TD>
              <TD className="text-right font-mono text-sm">
                {w.consoles ?? <span className="text-ink-muted">—</span>}
              </TD>
              <TD className="text-right font-mono text-sm">{formatBytes(w.bytes)}</TD>
            </TR>
          ))}
        </TBody>
      </Table>
    </Section>
  );
}
