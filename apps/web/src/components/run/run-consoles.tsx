"use client";

import { useCallback, useRef, useState } from "react";
import { ConsoleTerminal, type ConsoleTerminalHandle } from "~/components/terminal";
import { Button } from "~/components/ui/button";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "~/components/ui/tabs";
import { cn } from "~/lib/utils";
import { ConsoleSearch } from "./console-search";
import type { FollowState } from "./use-run-follow";

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
  setTimestamps: (on: boolean) => void;
  /** set only for the person holding the run's VMs: which consoles take keystrokes, and where they go */
  interactive: { consoles: string[]; send: (console: string, data: string) => void } | null;
}

function rawHref(runId: string, name: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/consoles/${encodeURIComponent(name)}/raw`;
}

/** Every console of a run: tabs for one at a time, or a grid to watch a cluster boot side by side. */
export function RunConsoles({ runId, known, follow, attach, setTimestamps, interactive }: RunConsolesProps) {
  const names = [...new Set(["harness", ...known, ...Object.keys(follow.bytes)])];
  const [active, setActive] = useState("harness");
  // A cluster's consoles appear as its VMs boot: the grid is the default once there are several,
  // until the person picks a layout themselves.
  const [chosen, setLayout] = useState<"tabs" | "grid" | null>(null);
  const layout = chosen ?? (names.length > 2 ? "grid" : "tabs");
  const [followOn, setFollowOn] = useState(true);
  const [stamps, setStamps] = useState(false);
  const handles = useRef(new Map<string, ConsoleTerminalHandle>());
  // Stable ref callbacks: a new one each render would detach and replay every terminal per update.
  const refs = useRef(new Map<string, (h: ConsoleTerminalHandle | null) => void>());
  const refFor = useCallback(
    (name: string) => {
      let cb = refs.current.get(name);
      if (!cb) {
        cb = (h) => {
          if (h) handles.current.set(name, h);
          else handles.current.delete(name);
          attach(name, h);
        };
        refs.current.set(name, cb);
      }
      return cb;
    },
    [attach],
  );
  const live = follow.connection === "pending";

  const terminal = (name: string, className: string) => {
    const typing = interactive?.consoles.includes(name) ?? false;
    return (
      <ConsoleTerminal
        className={className}
        follow={followOn}
        onInput={typing ? (data) => interactive?.send(name, data) : undefined}
        ref={refFor(name)}
      />
    );
  };

  return (
    <div className="flex flex-col gap-2" data-testid="run-consoles">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <div className="inline-flex rounded-md border border-line" role="group" aria-label="Console layout">
          {(["tabs", "grid"] as const).map((l) => (
            <Button key={l} size="xs" variant={layout === l ? "default" : "ghost"} aria-pressed={layout === l} onClick={() => setLayout(l)}>
              {l === "tabs" ? "Tabs" : `Grid (${names.length})`}
            </Button>
          ))}
        </div>
        <label className="inline-flex items-center gap-1">
          <input type="checkbox" checked={followOn} onChange={(e) => setFollowOn(e.target.checked)} /> Follow
        </label>
        <label className="inline-flex items-center gap-1" title={follow.replayable ? undefined : "too much output kept to redraw"}>
          <input
            type="checkbox"
            checked={stamps}
            disabled={!follow.replayable}
            onChange={(e) => {
              setStamps(e.target.checked);
              setTimestamps(e.target.checked);
            }}
          />
          Timestamps
        </label>
        <ConsoleSearch target={active} search={(q, dir) => handles.current.get(active)?.search(q, dir) ?? false} />
        <span className="text-ink-muted" data-testid="console-connection">
          {live ? "● live" : follow.connection === "connecting" ? "connecting…" : follow.connection === "error" ? "reconnecting…" : "replayed from storage"}
        </span>
        {interactive && <span className="font-medium text-status-running">you hold these VMs: type into their consoles</span>}
      </div>
      {layout === "tabs" ? (
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
            <a className="ml-auto text-sm text-ink-muted underline-offset-2 hover:underline" href={rawHref(runId, active)} download>
              Download raw {active}
            </a>
          </div>
          {names.map((name) => (
            <TabsContent key={name} value={name} forceMount data-console={name}>
              {terminal(name, "h-[calc(100vh-20rem)] min-h-80")}
            </TabsContent>
          ))}
        </Tabs>
      ) : (
        <div className={cn("grid gap-2", names.length > 4 ? "lg:grid-cols-3" : "lg:grid-cols-2")}>
          {names.map((name) => (
            <section
              key={name}
              data-console={name}
              onClick={() => setActive(name)}
              className={cn("flex flex-col gap-1 rounded-md", active === name && "ring-2 ring-status-running/40")}
            >
              <header className="flex items-center gap-2 px-1 text-sm">
                <span className="font-mono font-semibold">{name}</span>
                <span className="text-ink-muted tabular-nums">{formatBytes(follow.bytes[name] ?? 0)}</span>
                <a className="ml-auto text-ink-muted underline-offset-2 hover:underline" href={rawHref(runId, name)} download>
                  raw
                </a>
              </header>
              {terminal(name, "h-80")}
            </section>
          ))}
        </div>
      )}
    </div>
  );
}
