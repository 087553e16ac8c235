import { describe, expect, it } from "vitest";
import { AUDIT_INPUT_MAX_BYTES, auditInput, auditText, parseAuditCursor } from "./audit";

describe("auditInput", () => {
  it("redacts secrets at any depth and omits named fields", () => {
    expect(
      auditInput(
        { name: "a", password: "p", deep: { apiKey: "k", sessionToken: "t" }, data: "typed" },
        { omit: ["data"] },
      ),
    ).toEqual({
      name: "a",
      password: "[redacted]",
      deep: { apiKey: "[redacted]", sessionToken: "[redacted]" },
      data: "[5 characters, not stored]",
    });
  });

  it("keeps any input under 2 KB of JSON, multi-byte text too", () => {
    for (const input of [
      { s: "€".repeat(5000) },
      Array.from({ length: 5000 }, (_, i) => ({ i, s: "😀".repeat(50) })),
    ]) {
      expect(Buffer.byteLength(JSON.stringify(auditInput(input)))).toBeLessThanOrEqual(AUDIT_INPUT_MAX_BYTES);
    }
  });

  it("drops control characters and lone surrogates, which PostgreSQL or a terminal would choke on", () => {
    expect(auditText("a\x00b\x1b[31mc\ud800d")).toBe("a?b?[31mc\ufffdd");
    expect(auditText("x".repeat(300)).length).toBe(201);
  });
});

describe("parseAuditCursor", () => {
  it("takes a row's cursor or a bare ISO time, nothing else", () => {
    expect(parseAuditCursor("2026-01-02T03:04:05.006Z~0b6c7f1e-1111-4222-8333-944445555666")?.id).toBe(
      "0b6c7f1e-1111-4222-8333-944445555666",
    );
    expect(parseAuditCursor("2026-01-02T03:04:05.006Z")?.at.toISOString()).toBe("2026-01-02T03:04:05.006Z");
    expect(parseAuditCursor("yesterday")).toBeNull();
    expect(parseAuditCursor("2026-01-02T03:04:05Z~x' OR 1=1")).toBeNull();
  });
});
