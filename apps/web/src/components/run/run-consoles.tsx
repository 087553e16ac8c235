"use client";

import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { ConsoleTerminal, type ConsoleTerminalHandle, type ConsoleTerminalProps } from "~/components/terminal";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "~/components/ui/tabs";
import { cn } from "~/lib/utils";
import { ConsoleSearch } from "./console-search";
import { ConsoleVerdict, Dropped, FirstFailure, lineHref, NoOutput, type ConsoleInfo } from "./console-facts";
import { formatBytes } from "~/lib/bytes";
import { ConsoleRuler, useConsoleWindows } from "./console-ruler";
import { useConsoleJump, type Jump } from "./use-console-jump";
import type { ConsoleWindow, FollowState } from "./use-run-follow";

export interface RunConsolesProps {
  runId: string;
  /** consoles known from storage, with their verdicts and failure markers; live ones are added as they appear */
  consoles: ConsoleInfo[];
  /** for a run that did not pass: the console to open on */
  firstFailing: string | null;
  /** the run is still going: empty consoles may yet print */
  live: boolean;
  follow: FollowState;
  attach: (name: string, handle: ConsoleTerminalHandle | null) => void;
  setTimestamps: (on: boolean) => void;
  /** shows a stored part of a large console instead of its tail (null: the tail again) */
  showWindow: (name: string, w: ConsoleWindow | null) => void;
  /** set only for the person holding the run's VMs: which consoles take keystrokes, and where they go */
  interactive: {
    consoles: string[];
    send: (console: string, data: string) => void;
    /** a typing console's terminal changed size (an operation's pseudo-terminal follows it) */
    resize?: (console: string, cols: number, rows: number) => void;
  } | null;
}

function rawHref(runId: string, name: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/consoles/${encodeURIComponent(name)}/raw`;
}

/**
 * Every console of a run: tabs for one at a time, or a grid to watch a cluster boot side by side.
 * A failed run opens on its first failing console at its first failure line; `?console=&line=`
 * opens any line (a permalink).
 */
export function RunConsoles({
  runId,
  consoles,
  firstFailing,
  live,
  follow,
  attach,
  setTimestamps,
  showWindow,
  interactive,
}: RunConsolesProps) {
  const params = useSearchParams();
  const info = new Map(consoles.map((c) => [c.name, c]));
  const names = [...new Set(["harness", ...consoles.map((c) => c.name), ...Object.keys(follow.bytes)])];
  const linked = params.get("console");
  const linkedLine = Number(params.get("line"));
  const firstMarker = (name: string | null) => (name ? info.get(name)?.markers[0]?.line : undefined);
  const [active, setActive] = useState(() => (linked && names.includes(linked) ? linked : (firstFailing ?? "harness")));
  // Where to scroll once the bytes are there: a permalink's line, else a failed run's first failure.
  const [jump, setJump] = useState<Jump | null>(() =>
    linked && names.includes(linked) && Number.isInteger(linkedLine) && linkedLine > 0
      ? { console: linked, line: linkedLine }
      : firstFailing && firstMarker(firstFailing)
        ? { console: firstFailing, line: firstMarker(firstFailing)! }
        : null,
  );
  // A cluster's consoles appear as its VMs boot: the grid is the default once there are several,
  // until the person picks a layout themselves.
  const [chosen, setLayout] = useState<"tabs" | "grid" | null>(null);
  const layout = chosen ?? (names.length > 2 ? "grid" : "tabs");
  const [followOn, setFollowOn] = useState(jump === null);
  const [stamps, setStamps] = useState(false);
  const [linkNote, setLinkNote] = useState<string | null>(null);
  const handles = useRef(new Map<string, ConsoleTerminalHandle>());
  const register = useCallback(
    (name: string, h: ConsoleTerminalHandle | null) => {
      if (h) handles.current.set(name, h);
      else handles.current.delete(name);
      attach(name, h);
    },
    [attach],
  );
  const tiles = useRef(new Map<string, HTMLElement>());
  const windows = useConsoleWindows(runId, showWindow);
  const isLive = follow.connection === "pending";

  // A link naming a console (the operations panel's) selects it, also once the page is open.
  // Selected while rendering (React's way to follow a changed prop); scrolled to once it is on screen.
  const linkTarget = linked && names.includes(linked) ? linked : null;
  const [selectedLink, setSelectedLink] = useState(linkTarget);
  if (linkTarget !== selectedLink) {
    setSelectedLink(linkTarget);
    if (linkTarget) setActive(linkTarget);
  }
  useEffect(() => {
    if (linkTarget) tiles.current.get(linkTarget)?.scrollIntoView({ block: "nearest" });
  }, [linkTarget]);

  const jumpTo = (console: string, line: number) => {
    setActive(console);
    setFollowOn(false);
    setJump({ console, line });
  };

  const openWindow = useConsoleJump({ jump, setJump, info, follow, live, layout, handles, tiles, windows });

  const linkSelected = () => {
    const line = handles.current.get(active)?.selectedLine();
    if (!line) return setLinkNote("select a line in the console first");
    const href = new URL(lineHref(runId, active, line), window.location.href).toString();
    window.history.replaceState(null, "", href);
    void navigator.clipboard?.writeText(href).catch(() => undefined);
    setLinkNote(`link to ${active} line ${line} copied`);
  };

  const firstFailure =
    firstFailing && firstMarker(firstFailing) ? { console: firstFailing, line: firstMarker(firstFailing)! } : null;

  const terminal = (name: string, className: string) => {
    const typing = interactive?.consoles.includes(name) ?? false;
    const c = info.get(name);
    return (
      <>
        {c && <FirstFailure runId={runId} info={c} onJump={(line) => jumpTo(name, line)} />}
        {c && <NoOutput info={c} live={live} />}
        {c && <Dropped info={c} />}
        <ConsoleRuler
          name={name}
          length={follow.bytes[name] ?? c?.length ?? 0}
          start={follow.starts[name]}
          skipped={follow.skips[name]}
          window={follow.windows[name]}
          error={windows.errors[name]}
          open={(at) => {
            setFollowOn(false);
            openWindow(name, at);
          }}
          tail={() => {
            showWindow(name, null);
            setFollowOn(true);
          }}
        />
        <AttachedTerminal
          name={name}
          attach={register}
          className={className}
          follow={followOn}
          label={`${name} console`}
          onInput={typing ? (data) => interactive?.send(name, data) : undefined}
          onResize={typing ? (cols, rows) => interactive?.resize?.(name, cols, rows) : undefined}
        />
      </>
    );
  };

  return (
    <div className="flex flex-col gap-2" data-testid="run-consoles">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <div className="inline-flex rounded-md border border-line" role="group" aria-label="Console layout">
          {(["tabs", "grid"] as const).map((l) => (
            <Button
              key={l}
              size="xs"
              variant={layout === l ? "default" : "ghost"}
              aria-pressed={layout === l}
              onClick={() => setLayout(l)}
            >
              {l === "tabs" ? "Tabs" : `Grid (${names.length})`}
            </Button>
          ))}
        </div>
        <Checkbox label="Follow" checked={followOn} onCheckedChange={setFollowOn} />
        <Checkbox
          label="Timestamps"
          title={follow.replayable ? undefined : "too much output kept to redraw"}
          checked={stamps}
          disabled={!follow.replayable}
          onCheckedChange={(on) => {
            setStamps(on);
            setTimestamps(on);
          }}
        />
        <ConsoleSearch target={active} search={(q, dir) => handles.current.get(active)?.search(q, dir) ?? false} />
        {firstFailure && (
          <Button size="xs" variant="outline" onClick={() => jumpTo(firstFailure.console, firstFailure.line)}>
            Jump to first failure ({firstFailure.console}:{firstFailure.line})
          </Button>
        )}
        <Button
          size="xs"
          variant="ghost"
          onClick={linkSelected}
          title="Select text in a console, then copy a link to its line"
        >
          Link to selected line
        </Button>
        {linkNote && (
          <span className="text-ink-muted" data-testid="link-note">
            {linkNote}
          </span>
        )}
        <span className="text-ink-muted" data-testid="console-connection">
          {isLive
            ? "● live"
            : follow.connection === "connecting"
              ? "connecting…"
              : follow.connection === "error"
                ? "reconnecting…"
                : "replayed from storage"}
        </span>
        {interactive && (
          <span className="font-medium text-status-running">you hold these VMs: type into their consoles</span>
        )}
      </div>
      {layout === "tabs" ? (
        <Tabs value={active} onValueChange={setActive} className="flex flex-col gap-2">
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <TabsList className="flex-wrap">
              {names.map((name) => (
                <TabsTrigger key={name} value={name} className="gap-1.5 font-mono">
                  {name}
                  <ConsoleVerdict info={info.get(name)} />
                  <span className="text-ink-muted tabular-nums">
                    {formatBytes(follow.bytes[name] ?? info.get(name)?.length ?? 0)}
                  </span>
                </TabsTrigger>
              ))}
            </TabsList>
            <a
              className="ml-auto text-sm text-ink-muted underline-offset-2 hover:underline"
              href={rawHref(runId, active)}
              download
            >
              Download raw {active}
            </a>
          </div>
          {names.map((name) => (
            <TabsContent key={name} value={name} forceMount data-console={name} className="flex flex-col gap-1">
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
              data-active={active === name || undefined}
              ref={(el) => void (el ? tiles.current.set(name, el) : tiles.current.delete(name))}
              onClick={() => setActive(name)}
              className={cn(
                "flex min-w-0 flex-col gap-1 rounded-md",
                active === name && "ring-2 ring-status-running/40",
              )}
            >
              <header className="flex items-center gap-2 px-1 text-sm">
                <span className="font-mono font-semibold">{name}</span>
                <ConsoleVerdict info={info.get(name)} />
                <span className="text-ink-muted tabular-nums">
                  {formatBytes(follow.bytes[name] ?? info.get(name)?.length ?? 0)}
                </span>
                <a
                  className="ml-auto text-ink-muted underline-offset-2 hover:underline"
                  href={rawHref(runId, name)}
                  download
                >
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

interface AttachedTerminalProps extends Omit<ConsoleTerminalProps, "ref"> {
  name: string;
  attach: RunConsolesProps["attach"];
}

/** A console's terminal with a ref callback stable per name: a new one each render would detach and replay it. */
function AttachedTerminal({ name, attach, ...props }: AttachedTerminalProps) {
  const ref = useCallback((h: ConsoleTerminalHandle | null) => attach(name, h), [name, attach]);
  return <ConsoleTerminal {...props} ref={ref} />;
}
