import { describe, expect, it } from "vitest";
import { effectiveRole, maxScopeFor, refusal, scopeWithin, type Caller } from "./access";

const user = (role: "viewer" | "operator" | "admin") => ({ id: role, name: `${role}-1`, role });
const session = (role: "viewer" | "operator" | "admin"): Caller => ({
  user: user(role),
  credential: { kind: "session" },
});
const token = (role: "viewer" | "operator" | "admin", scope: "read" | "operate" | "admin"): Caller => ({
  user: user(role),
  credential: { kind: "token", scope, tokenId: "t" },
});
const anonymous: Caller = { user: null, credential: null };

describe("access rules", () => {
  it("caps a role by its token's scope, never raises it", () => {
    expect(effectiveRole(token("admin", "read"))).toBe("viewer");
    expect(effectiveRole(token("admin", "operate"))).toBe("operator");
    expect(effectiveRole(token("viewer", "admin"))).toBe("viewer");
    expect(effectiveRole(session("operator"))).toBe("operator");
    expect(effectiveRole(anonymous)).toBeNull();
  });

  it("lets reads through for anyone only when reads are public", () => {
    expect(refusal("read", anonymous, "branches.list", true)).toBeNull();
    expect(refusal("read", anonymous, "branches.list", false)).toMatchObject({ code: "UNAUTHORIZED" });
    expect(refusal("read", session("viewer"), "branches.list", false)).toBeNull();
    expect(refusal("open", anonymous, "auth.login", false)).toBeNull();
  });

  it("says who asked and what the procedure needs", () => {
    expect(refusal("operate", anonymous, "runs.rerun", true)?.message).toBe(
      "not logged in: runs.rerun needs an operator; log in on the web page, or run `proofboard login` for the CLI (or set PROOFBOARD_TOKEN)",
    );
    expect(refusal("operate", session("viewer"), "runs.rerun", true)).toEqual({
      code: "FORBIDDEN",
      message: "viewer-1 (viewer) may not do this: runs.rerun needs an operator; ask an admin for the role",
    });
    expect(refusal("admin", token("admin", "operate"), "users.create", true)?.message).toBe(
      "admin-1 (admin, with an operate token) may not do this: users.create needs an admin; use a token with the admin scope, or the web page",
    );
    expect(refusal("operate", token("operator", "operate"), "runs.cancel", true)).toBeNull();
    expect(refusal("account", anonymous, "tokens.list", true)?.code).toBe("UNAUTHORIZED");
  });

  it("keeps token scopes within the role", () => {
    expect(maxScopeFor("viewer")).toBe("read");
    expect(scopeWithin("operate", maxScopeFor("viewer"))).toBe(false);
    expect(scopeWithin("read", "operate")).toBe(true);
    expect(scopeWithin("admin", maxScopeFor("operator"))).toBe(false);
  });
});
