"use client";

import "@xterm/xterm/css/xterm.css";
import type { FitAddon } from "@xterm/addon-fit";
import type { SearchAddon } from "@xterm/addon-search";
import type { ITerminalInitOnlyOptions, ITerminalOptions, ITheme, Terminal } from "@xterm/xterm";
import {
  useCallback,
  useEffect,
  useId,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  type KeyboardEvent as ReactKeyboardEvent,
  type Ref,
} from "react";
import { cn } from "~/lib/utils";
import { TerminalFeed } from "./terminal-feed";
import { countNewlines, LinePieces, LineRows, withoutExtraLineFeeds } from "./terminal-lines";
import { keyFilter } from "./terminal-keys";

export interface ConsoleTerminalHandle {
  /**
   * Appends raw console bytes, in order. UTF-8 split across calls is reassembled. The array is
   * kept until parsed, so the caller must not reuse it. Safe to call before the terminal loads.
   */
  write(bytes: Uint8Array): void;
  /**
   * Empties the terminal (screen, scrollback, parser state) and drops bytes not yet shown. What is
   * written next starts after `newlinesBefore` newlines of the console (a view that does not start
   * at its first byte), so line numbers stay the console's own.
   */
  reset(newlinesBefore?: number): void;
  /** Selects the next (or previous) match of `query` in the scrollback; false when none. */
  search(query: string, direction: "next" | "previous"): boolean;
  scrollToBottom(): void;
  /**
   * Scrolls to a console line (1-based, counted by newlines) and selects it: "selected"; "later"
   * while that line has not been drawn yet (the caller tries again as bytes arrive); "gone" when it
   * is not in the terminal's rows (before them, trimmed, cleared, or drawn over by later output;
   * `drawnOver` selects the row such a line was drawn on all the same).
   */
  goToLine(line: number, drawnOver?: boolean): "selected" | "later" | "gone";
  /** The console line where the selection starts, if any. */
  selectedLine(): number | null;
}

export interface ConsoleTerminalProps {
  className?: string;
  ref?: Ref<ConsoleTerminalHandle>;
  /**
   * Only for the person holding the run's VMs: keystrokes (and the terminal's own replies to
   * queries, which a real serial terminal would send too) go here. Without it the terminal is
   * read-only and sends nothing anywhere.
   */
  onInput?: (data: string) => void;
  /** the terminal's size in cells, each time fitting it to its box changes it (a pseudo-terminal behind it follows) */
  onResize?: (cols: number, rows: number) => void;
  /** keep the newest line in view as bytes arrive */
  follow?: boolean;
  /** what the console is, for screen readers, e.g. "node01 console" */
  label?: string;
}

const THEME: ITheme = {
  background: "#18181b",
  foreground: "#d4d4d8",
  cursor: "#71717a",
  cursorAccent: "#18181b",
  selectionBackground: "#3f3f4699",
  black: "#27272a",
  red: "#f87171",
  green: "#4ade80",
  yellow: "#facc15",
  blue: "#60a5fa",
  magenta: "#c084fc",
  cyan: "#22d3ee",
  white: "#d4d4d8",
  brightBlack: "#71717a",
  brightRed: "#fca5a5",
  brightGreen: "#86efac",
  brightYellow: "#fde047",
  brightBlue: "#93c5fd",
  brightMagenta: "#d8b4fe",
  brightCyan: "#67e8f9",
  brightWhite: "#fafafa",
};

/** Cells of scrollback a terminal may keep: ~77 MiB, since xterm stores every cell of every row (12 bytes). */
const SCROLLBACK_CELLS = 6_400_000;

/**
 * Rows of scrollback for a width, from a cell budget: a 2 MiB window of 64-byte kernel lines
 * (32,768 lines) must fit, and on a phone each wraps to two rows (65,536), while on a wide screen
 * 100,000 rows of 160 columns would cost ~190 MiB for a flood of short lines.
 */
function scrollbackFor(cols: number): number {
  return Math.min(100_000, Math.max(40_000, Math.ceil(SCROLLBACK_CELLS / Math.max(1, cols))));
}

// Console output is untrusted: the viewer must never send bytes to a VM nor act on what it prints.
const OPTIONS: ITerminalOptions & ITerminalInitOnlyOptions = {
  disableStdin: true,
  // Harness output comes through pipes, not a tty, so nothing turned LF into CRLF the way a
  // terminal's line discipline would; do it on display only (storage and downloads stay exact).
  convertEol: true,
  // The most a terminal keeps, until it knows its width (see scrollbackFor).
  scrollback: 100_000,
  // Firmware and boot loaders clear the screen; keep what they clear in the scrollback.
  scrollOnEraseInDisplay: true,
  fontSize: 12,
  fontFamily: 'ui-monospace, "SF Mono", "JetBrains Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace',
  cursorBlink: false,
  cursorStyle: "bar",
  cursorInactiveStyle: "none",
  // With no handler xterm ignores OSC 8 links that are not http(s), so `javascript:` is never clickable.
  linkHandler: null,
  allowProposedApi: false,
  theme: THEME,
};

/**
 * xterm.js view of one console. Uses xterm's DOM renderer (tests read `.xterm-rows`), no
 * web-links or clipboard addon. Read-only unless `onInput` is given: then, and only then, what
 * xterm emits (keystrokes and its replies to queries in the stream) leaves the browser.
 */
export function ConsoleTerminal({
  className,
  ref,
  onInput,
  onResize,
  follow = true,
  label = "Console",
}: ConsoleTerminalProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const hintId = useId();
  const feedRef = useRef<TerminalFeed | null>(null);
  feedRef.current ??= new TerminalFeed();
  const recreateRef = useRef<(() => void) | null>(null);
  const termRef = useRef<Terminal | null>(null);
  const searchRef = useRef<SearchAddon | null>(null);
  /** where each console line starts among the terminal's rows */
  const linesRef = useRef<LineRows | null>(null);
  /** newlines xterm has parsed so far: line numbers are counted in the console's bytes, not in rows */
  const parsedNewlines = useRef(0);
  /** newlines of the console before the first byte this terminal was given */
  const lineBase = useRef(0);
  /** bytes xterm has parsed since it was (re)created: none yet, and its rows are only the empty screen */
  const parsedBytes = useRef(0);
  const onInputRef = useRef(onInput);
  const onResizeRef = useRef(onResize);
  const followRef = useRef(follow);
  const labelRef = useRef(label);
  // The latest props for callbacks xterm holds: written after each commit, never during render.
  useLayoutEffect(() => {
    onInputRef.current = onInput;
    onResizeRef.current = onResize;
    followRef.current = follow;
    labelRef.current = label;
  });

  useEffect(() => {
    if (termRef.current) termRef.current.options.disableStdin = !onInput;
  }, [onInput]);

  useEffect(() => {
    termRef.current?.textarea?.setAttribute("aria-label", label);
  }, [label]);

  /** the size last told to onResize: told again when it changes, and when a listener arrives after the fit */
  const reportedSize = useRef("");
  const reportSize = useCallback((term: Terminal) => {
    const size = `${term.cols}x${term.rows}`;
    if (!onResizeRef.current || size === reportedSize.current) return;
    reportedSize.current = size;
    onResizeRef.current(term.cols, term.rows);
  }, []);
  // Typing may be allowed only after the terminal was fitted (an operation's console appears before
  // the page knows it is the holder's): the pseudo-terminal behind it still needs the size.
  const listening = !!onResize;
  useEffect(() => {
    if (!listening) reportedSize.current = "";
    else if (termRef.current) reportSize(termRef.current);
  }, [listening, reportSize]);

  useImperativeHandle(
    ref,
    () => ({
      write: (bytes) => feedRef.current?.push(bytes),
      reset: (newlinesBefore = 0) => {
        lineBase.current = newlinesBefore;
        feedRef.current?.clear();
        // A fresh instance, because Terminal.reset() keeps the parser and UTF-8 decoder state
        // and the bytes still queued inside xterm, which would bleed the old stream into the new.
        recreateRef.current?.();
      },
      search: (query, direction) => {
        const addon = searchRef.current;
        if (!addon || !query) return false;
        return direction === "next" ? addon.findNext(query) : addon.findPrevious(query);
      },
      scrollToBottom: () => termRef.current?.scrollToBottom(),
      goToLine: (line, drawnOver = false) => {
        const term = termRef.current;
        // An empty terminal's first row is no line of the console: "found" there, the view would stay
        // at the bottom and be carried to the end of what is written next.
        if (!term || !linesRef.current || parsedBytes.current === 0 || line > parsedNewlines.current + 1)
          return "later";
        const place = linesRef.current.find(line, drawnOver);
        if (typeof place === "string") return place;
        followRef.current = false;
        term.scrollToLine(Math.max(0, place.row - Math.floor(term.rows / 3)));
        term.select(0, place.row, term.cols);
        return "selected";
      },
      selectedLine: () => {
        const term = termRef.current;
        const at = term?.getSelectionPosition();
        return at ? (linesRef.current?.lineOf(at.start.y) ?? null) : null;
      },
    }),
    [],
  );

  useEffect(() => {
    const host = hostRef.current;
    const feed = feedRef.current;
    if (!host || !feed) return;
    let disposed = false;
    let term: Terminal | null = null;
    let fit: FitAddon | null = null;
    let frame = 0;
    let observer: ResizeObserver | null = null;

    const fitNow = () => {
      frame = 0;
      // A hidden tab has no size; fitting it would reflow 100k lines of scrollback to 2 columns.
      if (!fit || host.clientWidth === 0 || host.clientHeight === 0) return;
      // A change of width reflows wrapped rows: where lines start is carried across it.
      const lines = linesRef.current;
      const reflow = !!term && !!lines && fit.proposeDimensions()?.cols !== term.cols;
      if (reflow) lines?.beforeResize();
      fit.fit();
      if (reflow) lines?.afterResize();
      if (term && term.options.scrollback !== scrollbackFor(term.cols))
        term.options.scrollback = scrollbackFor(term.cols);
      if (term) reportSize(term);
    };
    const scheduleFit = () => {
      if (frame === 0) frame = requestAnimationFrame(fitNow);
    };

    void Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit"), import("@xterm/addon-search")]).then(
      ([xterm, addonFit, addonSearch]) => {
        if (disposed) return;
        const create = () => {
          term?.dispose();
          const next = new xterm.Terminal({ ...OPTIONS, disableStdin: !onInputRef.current });
          fit = new addonFit.FitAddon();
          next.loadAddon(fit);
          const search = new addonSearch.SearchAddon();
          next.loadAddon(search);
          searchRef.current = search;
          next.onData((data) => onInputRef.current?.(data));
          next.attachCustomKeyEventHandler(
            keyFilter(
              () => !!onInputRef.current,
              () => boxRef.current?.focus(),
            ),
          );
          next.open(host);
          next.textarea?.setAttribute("aria-label", labelRef.current);
          next.textarea?.setAttribute("aria-describedby", hintId);
          term = next;
          termRef.current = next;
          fitNow();
          parsedNewlines.current = lineBase.current;
          parsedBytes.current = 0;
          const lines = new LineRows(next, lineBase.current);
          linesRef.current = lines;
          const pieces = new LinePieces();
          let handed = lineBase.current;
          feed.attach({
            write: (data, callback) => {
              const parts = pieces.of(withoutExtraLineFeeds(data));
              if (parts.length === 0) return callback();
              parts.forEach((part, k) => {
                handed += countNewlines(part);
                const newlines = handed;
                next.write(part, () => {
                  // A write the terminal before a reset still finishes: its bytes are not this one's.
                  const current = termRef.current === next;
                  if (current) lines.settle(newlines);
                  if (k < parts.length - 1) return;
                  if (current) {
                    parsedNewlines.current = newlines;
                    parsedBytes.current += data.length;
                    if (followRef.current) next.scrollToBottom();
                  }
                  callback();
                });
              });
            },
          });
        };
        create();
        recreateRef.current = create;
        observer = new ResizeObserver(scheduleFit);
        observer.observe(host);
        void document.fonts?.ready.then(() => {
          if (!disposed) scheduleFit();
        });
      },
    );

    return () => {
      disposed = true;
      recreateRef.current = null;
      observer?.disconnect();
      if (frame !== 0) cancelAnimationFrame(frame);
      feed.attach(null);
      term?.dispose();
      term = null;
      termRef.current = null;
      searchRef.current = null;
      linesRef.current = null;
      fit = null;
    };
  }, [hintId, reportSize]);

  // The box takes focus on Esc. While it has it, xterm's input is out of the tab order, so Tab
  // moves past the terminal rather than back into it; Enter goes back in.
  const xtermInput = () => hostRef.current?.querySelector("textarea");
  const onBoxKey = (e: ReactKeyboardEvent) => {
    if (e.target !== boxRef.current || e.key !== "Enter") return;
    e.preventDefault();
    termRef.current?.focus();
  };
  const hint = onInput ? "Esc, then Tab: leave the console" : "Tab or Esc: leave the console";
  return (
    <div
      ref={boxRef}
      tabIndex={-1}
      role="group"
      aria-label={label}
      data-testid="console-terminal"
      onFocus={(e) => {
        const input = xtermInput();
        if (e.target === boxRef.current && input) input.tabIndex = -1;
      }}
      onBlur={(e) => {
        const input = xtermInput();
        if (e.target === boxRef.current && input) input.tabIndex = 0;
      }}
      onKeyDown={onBoxKey}
      className={cn(
        "group relative h-96 w-full overflow-hidden rounded-md border border-zinc-800 bg-terminal p-1.5",
        "focus-within:border-zinc-500 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-status-running",
        className,
      )}
    >
      {/* xterm measures its parent for fitting, so the padding lives on the outer box, not here. */}
      <div ref={hostRef} className="h-full w-full" />
      <p id={hintId} className="sr-only">
        {hint}
      </p>
      {/* Shown only while the keyboard is in here: a calm page otherwise. */}
      <p
        aria-hidden
        className="pointer-events-none absolute top-1 right-2 z-10 text-xs text-zinc-300"
        data-testid="terminal-hint"
      >
        <span className="hidden rounded bg-zinc-800/90 px-1.5 group-has-[textarea:focus]:inline">{hint}</span>
        <span className="hidden rounded bg-zinc-800/90 px-1.5 group-focus:inline">Enter: back into the console</span>
      </p>
    </div>
  );
}
