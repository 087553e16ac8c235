import { describe, expect, it } from "vitest";
import { badgeSvg, MAX_BADGE_DETAIL, MAX_BADGE_TEXT, xmlText } from "./badge";

describe("badgeSvg", () => {
  it("says the label and the verdict, in the verdict's colour", () => {
    const svg = badgeSvg("release", "ready", "ready");
    expect(svg).toContain("<title>release: ready</title>");
    expect(svg).toContain('fill="#2e8b2e"');
    expect(badgeSvg("release", "not ready", "not-ready")).toContain('fill="#c83c2c"');
  });

  it("keeps hostile names text: markup, quotes, control characters, lone surrogates", () => {
    const hostile = `x"/><script>alert('1')</script>&\u0000\u001b\u0085\ud800`;
    const svg = badgeSvg(hostile, "ready", "ready");
    expect(svg).not.toContain("<script");
    expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(svg).not.toMatch(/[\ud800-\udfff]/);
    expect(svg).toContain("&#60;script&#62;alert(&#39;1&#39;)&#60;/script&#62;&#38;");
    // every attribute stays one attribute: the only quotes are the SVG's own
    expect(svg.match(/aria-label="[^"]*"/)![0]).toContain("&#34;/&#62;");
  });

  it("shortens a very long name, and grows with the text up to that", () => {
    const long = "b".repeat(5000);
    const svg = badgeSvg(long, "ready", "ready");
    expect(svg.length).toBeLessThan(3000);
    expect(svg).toContain(`${"b".repeat(MAX_BADGE_TEXT - 1)}…`);
    const width = (s: string) => Number(s.match(/^<svg[^>]* width="(\d+)"/)![1]);
    expect(width(badgeSvg("release", "ready", "ready"))).toBeLessThan(
      width(badgeSvg("release-candidate", "ready", "ready")),
    );
  });

  it("says why in its title when given a reason, escaped and shortened, without widening the badge", () => {
    const why = `proofboard.yaml@0123456789:3: lanes[0].command: "<svg onload=x>" ${"z".repeat(2000)}\u001b[31m`;
    const svg = badgeSvg("release", "catalog error", "unknown", why);
    const title = svg.match(/<title>([^<]*)<\/title>/)![1]!;
    expect(
      title.startsWith("release: catalog error: proofboard.yaml@0123456789:3: lanes[0].command: &#34;&#60;svg"),
    ).toBe(true);
    expect(title.endsWith("z…")).toBe(true);
    expect([...title].length).toBeLessThan(MAX_BADGE_DETAIL + 120);
    expect(svg).not.toContain("<svg onload");
    expect(svg.match(/aria-label="([^"]*)"/)![1]).toBe(title);
    const width = (s: string) => Number(s.match(/^<svg[^>]* width="(\d+)"/)![1]);
    expect(width(svg)).toBe(width(badgeSvg("release", "catalog error", "unknown")));
  });

  it("escapes every character markup could use", () => {
    expect(xmlText(`<>&"'`)).toBe("&#60;&#62;&#38;&#34;&#39;");
  });
});
