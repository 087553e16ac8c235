import { describe, expect, it } from "vitest";
import { keyFilter } from "./terminal-keys";

/** A keydown as xterm.js hands it to its custom key handler, recording whether its default was prevented. */
function key(
  k: string,
  mods: { shiftKey?: boolean; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean } = {},
  type = "keydown",
) {
  const e = {
    type,
    key: k,
    shiftKey: false,
    ctrlKey: false,
    altKey: false,
    metaKey: false,
    ...mods,
    prevented: false,
    preventDefault() {
      e.prevented = true;
    },
  };
  return e as typeof e & KeyboardEvent;
}

function setup(typing: boolean) {
  let boxFocused = 0;
  const filter = keyFilter(
    () => typing,
    () => void boxFocused++,
  );
  return { filter, boxFocused: () => boxFocused };
}

describe("keys in a read-only console", () => {
  it("lets Tab and Shift+Tab move focus on instead of xterm keeping them", () => {
    const { filter } = setup(false);
    const tab = key("Tab");
    expect(filter(tab)).toBe(false);
    expect(tab.prevented).toBe(false);
    expect(filter(key("Tab", { shiftKey: true }))).toBe(false);
  });

  it("moves focus to the terminal's box on Esc", () => {
    const { filter, boxFocused } = setup(false);
    const esc = key("Escape");
    expect(filter(esc)).toBe(false);
    expect(esc.prevented).toBe(true);
    expect(boxFocused()).toBe(1);
  });

  it("leaves other keys (scrolling, Ctrl+Tab) to xterm and the browser", () => {
    const { filter, boxFocused } = setup(false);
    for (const k of ["PageUp", "a", "Enter"]) expect(filter(key(k))).toBe(true);
    expect(filter(key("Tab", { ctrlKey: true }))).toBe(true);
    expect(boxFocused()).toBe(0);
  });
});

describe("keys in a console typing into a held VM", () => {
  it("sends Tab to the VM (completion) unless it comes right after Esc", () => {
    const { filter, boxFocused } = setup(true);
    expect(filter(key("Tab"))).toBe(true);
    expect(filter(key("Escape"))).toBe(true); // vi needs it: still sent
    expect(filter(key("Tab"))).toBe(false);
    // Leaving disarms: the next Tab (back in the terminal) is the VM's again.
    expect(filter(key("Tab"))).toBe(true);
    expect(boxFocused()).toBe(0);
  });

  it("leaves backwards with Esc, then Shift+Tab: pressing Shift in between does not disarm", () => {
    const { filter } = setup(true);
    filter(key("Escape"));
    expect(filter(key("Shift", { shiftKey: true }))).toBe(true);
    expect(filter(key("Tab", { shiftKey: true }))).toBe(false);
  });

  it("forgets the Esc once another key follows it, and ignores key-up events", () => {
    const { filter } = setup(true);
    filter(key("Escape"));
    expect(filter(key("Escape", {}, "keyup"))).toBe(true);
    expect(filter(key(":"))).toBe(true);
    expect(filter(key("Tab"))).toBe(true);
  });
});
