import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hostClasses, measureHost } from "./host";

/** A folder standing in for / : dev/kvm and sys/module/<m>/parameters/nested as given. */
function fakeRoot(o: { kvm: boolean; modules: string[]; nested?: string }) {
  const root = mkdtempSync(path.join(os.tmpdir(), "pb-host-"));
  mkdirSync(path.join(root, "dev"));
  if (o.kvm) writeFileSync(path.join(root, "dev/kvm"), "");
  for (const m of o.modules) {
    mkdirSync(path.join(root, "sys/module", m, "parameters"), { recursive: true });
    if (o.nested) writeFileSync(path.join(root, "sys/module", m, "parameters/nested"), `${o.nested}\n`);
  }
  return { dev: path.join(root, "dev"), sys: path.join(root, "sys") };
}

describe("host measurement", () => {
  it("classes follow what the host really offers", async () => {
    expect(hostClasses(await measureHost(fakeRoot({ kvm: false, modules: [] })))).toEqual(["tcg"]);
    expect(hostClasses(await measureHost(fakeRoot({ kvm: true, modules: ["kvm_intel"], nested: "N" })))).toEqual([
      "kvm",
      "tcg",
    ]);
    expect(hostClasses(await measureHost(fakeRoot({ kvm: true, modules: ["kvm_amd"], nested: "1" })))).toEqual([
      "nested-kvm",
      "kvm",
      "tcg",
    ]);
  });

  it("a PVM-only /dev/kvm is not KVM, and says why", async () => {
    const c = await measureHost(fakeRoot({ kvm: true, modules: ["kvm_pvm"] }));
    expect(c.kvm).toBe(false);
    expect(c.kvmNote).toMatch(/PVM/);
    expect(hostClasses(c)).toEqual(["tcg"]);
  });
});
