import { describe, expect, it } from "vitest";
import { codePointLabel, escapeInvisible, hasInvisibleText, splitVisibleText } from "./visible-text";

const escaped = (text: string) =>
  splitVisibleText(text)
    .filter((p) => p.kind === "escaped")
    .map((p) => (p.kind === "escaped" ? p.codePoint : 0));

describe("splitVisibleText", () => {
  it("splits a bidi-overridden branch name into its plain runs and the override", () => {
    expect(splitVisibleText("rtl-\u202Egnp.exe")).toEqual([
      { kind: "text", text: "rtl-" },
      { kind: "escaped", codePoint: 0x202e },
      { kind: "text", text: "gnp.exe" },
    ]);
  });

  it.each([
    ["C0 controls, ESC, tab, newline", "\u0000\u0007\t\n\r\u001b\u001f", [0x0, 0x7, 0x9, 0xa, 0xd, 0x1b, 0x1f]],
    ["DEL and C1 controls", "\u007f\u0080\u009b\u009f", [0x7f, 0x80, 0x9b, 0x9f]],
    ["zero-width and directional marks", "\u200b\u200c\u200d\u200e\u200f", [0x200b, 0x200c, 0x200d, 0x200e, 0x200f]],
    ["line and paragraph separators", "\u2028\u2029", [0x2028, 0x2029]],
    ["bidi embeddings and overrides", "\u202a\u202b\u202c\u202d\u202e", [0x202a, 0x202b, 0x202c, 0x202d, 0x202e]],
    ["word joiner and invisible operators", "\u2060\u2061\u2062\u2063\u2064", [0x2060, 0x2061, 0x2062, 0x2063, 0x2064]],
    ["bidi isolates", "\u2066\u2067\u2068\u2069", [0x2066, 0x2067, 0x2068, 0x2069]],
    ["BOM, Arabic letter mark, Mongolian vowel separator", "\ufeff\u061c\u180e", [0xfeff, 0x61c, 0x180e]],
    ["lone surrogates", "a\ud800b\udfffc", [0xd800, 0xdfff]],
  ])("escapes %s", (_what, text, codePoints) => {
    expect(escaped(text)).toEqual(codePoints);
  });

  it("leaves ordinary text, accents, CJK and emoji as they are", () => {
    for (const text of ["main", "release/1.2", "café", "中文分支", "fix 🐛", "👩‍💻 pair", "👨‍👩‍👧", "🏃🏽‍♀️", "a b\u00a0c"]) {
      expect(splitVisibleText(text)).toEqual([{ kind: "text", text }]);
    }
    expect(splitVisibleText("")).toEqual([]);
  });

  it("escapes a zero-width joiner that joins no emoji", () => {
    expect(escaped("ma\u200din")).toEqual([0x200d]);
    expect(escaped("🐛\u200d")).toEqual([0x200d]);
    expect(escaped("\u200d🐛")).toEqual([0x200d]);
  });

  it("keeps the parts joinable into the original text", () => {
    const text = "x\u200by\u001b[31mz\ud83d";
    const joined = splitVisibleText(text)
      .map((p) => (p.kind === "text" ? p.text : String.fromCharCode(p.codePoint)))
      .join("");
    expect(joined).toBe(text);
  });
});

describe("escapeInvisible", () => {
  it("writes \\x for one-byte code points and \\u for the rest, as the CLI always has", () => {
    expect(escapeInvisible("rtl-\u202Egnp.exe")).toBe("rtl-\\u202egnp.exe");
    expect(escapeInvisible("fix\u200b \u001b[2Jbug")).toBe("fix\\u200b \\x1b[2Jbug");
    expect(escapeInvisible("\u009b\u007f")).toBe("\\x9b\\x7f");
    expect(escapeInvisible("café 中")).toBe("café 中");
  });

  it("takes the web's labels", () => {
    expect(escapeInvisible("a\u202eb", (cp) => `⟨${codePointLabel(cp)}⟩`)).toBe("a⟨U+202E⟩b");
    expect(codePointLabel(0x1b)).toBe("U+001B");
  });
});

describe("hasInvisibleText", () => {
  it("says whether anything would be escaped", () => {
    expect(hasInvisibleText("main")).toBe(false);
    expect(hasInvisibleText("ma\u2066in")).toBe(true);
  });
});
