"use client";

import { useEffect, useRef, type RefObject } from "react";
import type { ConsoleTerminalHandle } from "~/components/terminal";
import type { ConsoleInfo } from "./console-facts";
import type { useConsoleWindows, WindowAt } from "./console-ruler";
import type { FollowState } from "./use-run-follow";

/** A console line to scroll to and select once it is drawn. */
export interface Jump {
  console: string;
  line: number;
}

interface ConsoleJumpOptions {
  jump: Jump | null;
  setJump: (jump: Jump | null) => void;
  info: Map<string, ConsoleInfo>;
  follow: FollowState;
  /** the run is still going */
  live: boolean;
  layout: string;
  handles: RefObject<Map<string, ConsoleTerminalHandle>>;
  tiles: RefObject<Map<string, HTMLElement>>;
  windows: ReturnType<typeof useConsoleWindows>;
}

/**
 * Carries out a jump (a permalink's line, a first failure, a window's first line): tried on every
 * arrival of bytes until the line has been drawn. A stored console is first received whole (or its
 * tail): a jump made while it still grows would be carried to the bottom again. A line before the
 * part of a large console on screen is read from storage first, as the window that holds it.
 * Returns how to open a window and show it from its first line.
 */
export function useConsoleJump({
  jump,
  setJump,
  info,
  follow,
  live,
  layout,
  handles,
  tiles,
  windows,
}: ConsoleJumpOptions) {
  const { open } = windows;
  const jumpBytes = jump ? (follow.bytes[jump.console] ?? 0) : 0;
  const jumpReady = jump !== null && (live || jumpBytes >= (info.get(jump.console)?.length ?? 0));
  // the jump a window was opened for: opened once per jump, then the line is looked for in it
  const windowFor = useRef<Jump | null>(null);
  const shownFrom = jump
    ? (follow.windows[jump.console]?.newlinesBefore ?? follow.starts[jump.console]?.newlinesBefore ?? 0)
    : 0;
  const windowed = jump !== null && follow.windows[jump.console] !== undefined;
  useEffect(() => {
    if (!jump || !jumpReady) return;
    tiles.current.get(jump.console)?.scrollIntoView({ block: "nearest" });
    if ((windowed || jump.line <= shownFrom) && windowFor.current !== jump) {
      windowFor.current = jump;
      void open(jump.console, { line: jump.line }).then((start) => start ?? setJump(null));
      return;
    }
    // xterm parses what it was given a little later: poll until the line is drawn. A line the
    // terminal does not hold (drawn over by later output, trimmed) is read from storage as the
    // window that starts with it, once; drawn over even there (a line redrawn in place), the row
    // it was drawn on is selected.
    const t = setInterval(() => {
      const handle = handles.current.get(jump.console);
      const place = handle?.goToLine(jump.line);
      if (place === "later" || place === undefined) return;
      clearInterval(t);
      if (place === "gone" && windowFor.current !== jump) {
        windowFor.current = jump;
        void open(jump.console, { line: jump.line }, true).then((start) => start ?? setJump(null));
        return;
      }
      if (place === "gone") handle?.goToLine(jump.line, true);
      setJump(null);
    }, 100);
    return () => clearInterval(t);
  }, [jump, jumpBytes, jumpReady, layout, shownFrom, windowed, open, handles, tiles, setJump]);

  return (name: string, at: WindowAt) => {
    void open(name, at).then((start) => {
      if (!start) return;
      const first = { console: name, line: start.newlinesBefore + 1 };
      windowFor.current = first;
      setJump(first);
    });
  };
}
