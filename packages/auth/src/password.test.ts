import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password";
import { sessionCookie, sessionTokenFromCookie } from "./sessions";

describe("passwords", () => {
  it("round-trips, refuses a wrong password and keeps its parameters in the hash", async () => {
    const hash = await hashPassword("correct horse");
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("correct horsf", hash)).toBe(false);
    expect(await hashPassword("correct horse")).not.toBe(hash);
  });

  it("treats malformed or greedy hashes as a mismatch instead of throwing", async () => {
    for (const bad of [
      "",
      "plain",
      "scrypt$16384$8$1$AAAA$BBBB",
      "scrypt$1048576$8$1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5",
    ]) {
      expect(await verifyPassword("whatever", bad)).toBe(false);
    }
  });
});

describe("session cookie", () => {
  it("finds pb_session among other cookies and ignores look-alikes", () => {
    expect(sessionTokenFromCookie("a=1; pb_session=tok; b=2")).toBe("tok");
    expect(sessionTokenFromCookie("xpb_session=tok; pb_session_old=2")).toBeNull();
    expect(sessionTokenFromCookie(null)).toBeNull();
    expect(sessionCookie("tok")).toBe("pb_session=tok; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800");
  });
});
