import { describe, expect, it } from "vitest";
import { aclRedisUrl, aclRules, aclUserName } from "./acl";

describe("Redis ACL rules", () => {
  it("confines each kind to its keys and the control channel, without dangerous commands", () => {
    const web = aclRules("web", "pb");
    const worker = aclRules("worker", "pb");
    expect(web).toContain("~pb:limit:*");
    expect(worker).not.toContain("~pb:limit:*");
    for (const rules of [web, worker]) {
      expect(rules.slice(0, 4)).toEqual(["reset", "on", "resetchannels", "&pb:run-control"]);
      expect(rules).toContain("-@dangerous");
      expect(rules.filter((r) => r.startsWith("~")).every((r) => r.startsWith("~pb:"))).toBe(true);
    }
    expect(aclUserName("worker", "pb")).toBe("proofboard-pb-worker");
  });

  it("refuses a prefix that would widen the patterns", () => {
    expect(() => aclRules("web", "*")).toThrow(/invalid Redis prefix/);
    expect(() => aclRules("web", "pb ~*")).toThrow(/invalid Redis prefix/);
  });

  it("puts the credentials into the admin URL, escaped", () => {
    expect(aclRedisUrl("redis://127.0.0.1:6379/2", "proofboard-pb-web", "p@ss/word")).toBe(
      "redis://proofboard-pb-web:p%40ss%2Fword@127.0.0.1:6379/2",
    );
  });
});
