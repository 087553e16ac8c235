import { describe, expect, it } from "vitest";
import { clearedSessionCookie, SESSION_SECONDS, sessionCookie, sessionTokenFromCookie } from "./sessions";

/** The attributes as a browser reads them: name=value, then case-insensitive flags and pairs. */
function attributes(setCookie: string): Map<string, string> {
  const [, ...rest] = setCookie.split(";").map((p) => p.trim());
  return new Map(
    rest.map((p) => {
      const i = p.indexOf("=");
      return i < 0 ? [p.toLowerCase(), ""] : [p.slice(0, i).toLowerCase(), p.slice(i + 1)];
    }),
  );
}

const TOKEN = "a".repeat(43);

describe("session cookie", () => {
  it("is HttpOnly, SameSite=Lax, for the whole site, and lasts as long as the session", () => {
    const a = attributes(sessionCookie(TOKEN));
    expect(sessionCookie(TOKEN).startsWith(`pb_session=${TOKEN};`)).toBe(true);
    expect(a.has("httponly")).toBe(true);
    expect(a.get("samesite")).toBe("Lax");
    expect(a.get("path")).toBe("/");
    expect(a.get("max-age")).toBe(String(SESSION_SECONDS));
    expect(a.has("domain")).toBe(false);
  });

  it("is Secure over https only, so plain-http development can still log in", () => {
    expect(attributes(sessionCookie(TOKEN, { secure: true })).has("secure")).toBe(true);
    expect(attributes(sessionCookie(TOKEN, { secure: false })).has("secure")).toBe(false);
    expect(attributes(sessionCookie(TOKEN)).has("secure")).toBe(false);
  });

  it("is cleared with the same attributes, so the browser replaces the same cookie", () => {
    for (const secure of [false, true]) {
      const cleared = clearedSessionCookie({ secure });
      const a = attributes(cleared);
      expect(cleared.startsWith("pb_session=;")).toBe(true);
      expect(a.get("max-age")).toBe("0");
      expect(a.has("httponly")).toBe(true);
      expect(a.get("samesite")).toBe("Lax");
      expect(a.get("path")).toBe("/");
      expect(a.has("secure")).toBe(secure);
    }
  });

  it("reads only pb_session from a Cookie header", () => {
    expect(sessionTokenFromCookie(`other=1; pb_session=${TOKEN}; x=y`)).toBe(TOKEN);
    expect(sessionTokenFromCookie("xpb_session=nope")).toBeNull();
    expect(sessionTokenFromCookie(undefined)).toBeNull();
  });
});
