"use client";

import { useState } from "react";
import { ConsoleTerminal } from "~/components/terminal";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "~/components/ui/tabs";
import type { FollowState } from "./use-run-follow";
import type { ConsoleTerminalHandle } from "~/components/terminal";

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export interface RunConsolesProps {
  runId: string;
  /** consoles known from storage when the page loaded; live ones are added as they appear */
  known: string[];
  follow: FollowState;
  attach: (name: string, handle: ConsoleTerminalHandle | null) => void;
}

/** A tab per console; every terminal stays mounted so hidden consoles keep filling. */
export function RunConsoles({ runId, known, follow, attach }: RunConsolesProps) {
  const names = [...new Set(["harness", ...known, ...Object.keys(follow.bytes)])];
  const [active, setActive] = useState("harness");
  const live = follow.connection === "pending";
  return (
    <Tabs value={active} onValueChange={setActive} className="flex flex-col gap-2">
      <div className="flex items-center gap-3">
        <TabsList>
          {names.map((name) => (
            <TabsTrigger key={name} value={name} className="font-mono">
              {name}
              <span className="ml-1.5 text-ink-muted tabular-nums">{formatBytes(follow.bytes[name] ?? 0)}</span>
            </TabsTrigger>
          ))}
        </TabsList>
        <span className="text-sm text-ink-muted" data-testid="console-connection">
          {live ? "● live" : follow.connection === "connecting" ? "connecting…" : follow.connection === "error" ? "reconnecting…" : "replayed from storage"}
        </span>
        <a
          className="ml-auto text-sm text-ink-muted underline-offset-2 hover:underline"
          href={`/api/runs/${encodeURIComponent(runId)}/consoles/${encodeURIComponent(active)}/raw`}
          download
        >
          Download raw {active}
        </a>
      </div>
      {names.map((name) => (
        <TabsContent key={name} value={name} forceMount data-console={name}>
          <ConsoleTerminal className="h-[calc(100vh-19rem)] min-h-80" ref={(h) => attach(name, h)} />
        </TabsContent>
      ))}
    </Tabs>
  );
}
