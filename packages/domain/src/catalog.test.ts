import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CATALOG_FILE, laneByName, parseCatalog, releaseGates } from "./catalog";
import type { Catalog } from "./types";

const ULTRACLOUD = fileURLToPath(new URL("../../../catalogs/ultracloud.yaml", import.meta.url));
const load = (): Catalog => parseCatalog(readFileSync(ULTRACLOUD, "utf8"), "catalogs/ultracloud.yaml");

const lane = (catalog: Catalog, name: string) => {
  const found = laneByName(catalog, name);
  if (!found) throw new Error(`lane ${name} missing from the catalog`);
  return found;
};

describe("catalogs/ultracloud.yaml", () => {
  const catalog = load();

  it("names every lane of testing.md, and nothing else", () => {
    expect(catalog.lanes.map((l) => l.name).sort()).toEqual(
      [
        "single-node-quickstart",
        "quickstart-eval",
        "quickstart-flake-show",
        "baremetal-control-plane-eval",
        "baremetal-worker-eval",
        "baremetal-iso",
        "baremetal-iso-e2e",
        "canonical-profile-eval-guards",
        "canonical-profile-build-guards",
        "portable-control-plane-regressions",
        "deployer-vm-smoke",
        "fresh-smoke",
        "fresh-demo-vm-webapp",
        "fresh-matrix",
        "publishable-kvm-suite",
        "fresh-bench-storage",
      ].sort(),
    );
  });

  it("has exactly the two release gates of the document", () => {
    expect(releaseGates(catalog).map((g) => [g.id, g.name, g.lanes])).toEqual([
      ["baremetal-proof", "Canonical bare-metal proof", ["baremetal-iso", "baremetal-iso-e2e"]],
      ["publishable-kvm", "Publishable nested-KVM suite", ["fresh-smoke", "fresh-demo-vm-webapp", "fresh-matrix"]],
    ]);
    expect(catalog.gates.filter((g) => !g.release).map((g) => g.id)).toContain("regression-guards");
  });

  it("transcribes the commands as argv, exactly as written in the document", () => {
    expect(lane(catalog, "fresh-smoke").command).toEqual([
      "nix",
      "run",
      "./nix/test-cluster#cluster",
      "--",
      "fresh-smoke",
    ]);
    // -L is Proofboard's one addition: without it a `nix build` lane prints none of its VMs' lines.
    expect(lane(catalog, "baremetal-iso-e2e").command).toEqual([
      "nix",
      "build",
      "-L",
      ".#checks.x86_64-linux.baremetal-iso-e2e",
    ]);
    for (const l of catalog.lanes.filter((x) => x.command[1] === "build"))
      expect(l.command.slice(0, 3), l.name).toEqual(["nix", "build", "-L"]);
    expect(lane(catalog, "single-node-quickstart").command).toEqual(["nix", "run", ".#single-node-quickstart"]);
    expect(lane(catalog, "publishable-kvm-suite").command).toEqual([
      "./nix/test-cluster/run-publishable-kvm-suite.sh",
      "./work/publishable-kvm-suite",
    ]);
    expect(lane(catalog, "quickstart-eval").command).toEqual([
      "nix",
      "eval",
      "--no-eval-cache",
      ".#nixosConfigurations.single-node-quickstart.config.system.build.toplevel.drvPath",
      "--raw",
    ]);
    expect(lane(catalog, "baremetal-worker-eval").command[3]).toBe(
      ".#nixosConfigurations.baremetal-qemu-worker.config.system.build.toplevel.drvPath",
    );
    expect(lane(catalog, "quickstart-flake-show").command).toEqual(["nix", "flake", "show", ".", "--all-systems"]);
    for (const l of catalog.lanes)
      expect(
        l.command.every((arg) => !/[|;&]/.test(arg)),
        l.name,
      ).toBe(true);
  });

  it("requires nested KVM exactly for the fresh-* lanes and the suite wrapper", () => {
    const nested = catalog.lanes.filter((l) => l.host === "nested-kvm").map((l) => l.name);
    expect(nested.sort()).toEqual(
      ["fresh-bench-storage", "fresh-demo-vm-webapp", "fresh-matrix", "fresh-smoke", "publishable-kvm-suite"].sort(),
    );
    for (const name of [
      "single-node-quickstart",
      "baremetal-iso",
      "baremetal-iso-e2e",
      "deployer-vm-smoke",
      "portable-control-plane-regressions",
    ]) {
      expect(lane(catalog, name).host, name).toBe("tcg");
    }
  });

  it("carries the three canonical profiles with their components", () => {
    expect(catalog.profiles.map((p) => p.name)).toEqual([
      "single-node dev",
      "3-node HA control plane",
      "bare-metal bootstrap",
    ]);
    const [single, ha, metal] = catalog.profiles;
    expect(single?.requiredComponents).toEqual(["chainfire", "flaredb", "iam", "plasmavmc", "prismnet"]);
    expect(single?.optionalComponents).toHaveLength(9);
    expect(ha?.outputs).toContain("nixosConfigurations.netboot-control-plane");
    expect(ha?.optionalComponents).toContain("creditservice");
    expect(metal?.requiredComponents).toEqual(["deployer", "first-boot-automation", "install-target", "nix-agent"]);
    expect(metal?.outputs).toContain("checks.x86_64-linux.baremetal-iso-e2e");
  });

  it("records consoles, coverage, needs and defaults", () => {
    const smoke = lane(catalog, "fresh-smoke");
    expect(smoke.consoles).toEqual(["node01", "node02", "node03", "node04", "node05", "node06"]);
    expect(smoke.covers).toEqual(expect.arrayContaining(["deployer", "fleet-scheduler", "node-agent", "k8shost"]));
    expect(smoke.needs).toEqual(["canonical-profile-eval-guards"]);
    expect(smoke.profile).toBe("ha-control-plane");
    expect(lane(catalog, "baremetal-iso").consoles).toHaveLength(2);
    expect(lane(catalog, "baremetal-iso").covers).toEqual(
      expect.arrayContaining(["deployer", "install-target", "nix-agent"]),
    );
    expect(lane(catalog, "single-node-quickstart").covers.sort()).toEqual([
      "chainfire",
      "flaredb",
      "iam",
      "plasmavmc",
      "prismnet",
    ]);
    expect(lane(catalog, "portable-control-plane-regressions").needs).toEqual(["canonical-profile-eval-guards"]);
    expect(lane(catalog, "fresh-bench-storage").group).toBe("benchmark");
    const guard = lane(catalog, "canonical-profile-eval-guards");
    expect([guard.consoles, guard.needs, guard.profile]).toEqual([[], [], null]);
    for (const l of catalog.lanes) expect(l.timeoutSeconds, l.name).toBeGreaterThan(l.expectedSeconds ?? 0);
  });

  it("exports the lookups and the target-repository file name", () => {
    expect(laneByName(catalog, "no-such-lane")).toBeUndefined();
    expect(CATALOG_FILE).toBe("proofboard.yaml");
  });
});

describe("parseCatalog defaults", () => {
  it("fills title, lists, profile and expectedSeconds when omitted", () => {
    const catalog = parseCatalog(
      'version: 1\nname: t\nlanes:\n  - name: a\n    description: d\n    command: ["true"]\n    group: portable\n    host: tcg\n    timeoutSeconds: 60\n',
      "t.yaml",
    );
    expect(catalog.lanes[0]).toEqual({
      name: "a",
      title: "a",
      description: "d",
      command: ["true"],
      profile: null,
      group: "portable",
      host: "tcg",
      timeoutSeconds: 60,
      expectedSeconds: null,
      consoles: [],
      covers: [],
      needs: [],
      vms: null,
      serialLogs: null,
      unsupportedExitCodes: [],
      env: {},
      failureMarkers: [],
      operations: [],
      consoleRetentionDays: null,
      triggers: { push: false, schedule: null, branches: ["main"] },
    });
    expect([catalog.profiles, catalog.gates]).toEqual([[], []]);
  });
});

describe("the demo target's catalog", () => {
  it("parses, mirrors UltraCloud's lane names and has the same release gates", () => {
    const read = (p: string) => readFileSync(new URL(p, import.meta.url), "utf8");
    const demo = parseCatalog(read("../../demo/template/proofboard.yaml"), "proofboard.yaml");
    const ultracloud = parseCatalog(read("../../../catalogs/ultracloud.yaml"), "ultracloud.yaml");
    const ucLanes = new Set(ultracloud.lanes.map((l) => l.name));
    for (const lane of demo.lanes) expect(ucLanes.has(lane.name), lane.name).toBe(true);
    const gates = (c: typeof demo) => releaseGates(c).map((g) => [g.id, g.lanes]);
    expect(gates(demo)).toEqual(gates(ultracloud));
    expect(new Set(demo.profiles.map((p) => p.id))).toEqual(new Set(ultracloud.profiles.map((p) => p.id)));
  });
});

describe("VM lanes", () => {
  const base =
    'version: 1\nname: t\nlanes:\n  - name: a\n    description: d\n    command: ["true"]\n    group: portable\n    host: tcg\n    timeoutSeconds: 60\n';

  it("adds the VMs the worker boots to the lane's consoles, with defaults", () => {
    const catalog = parseCatalog(
      `${base}    consoles: [node01]\n    vms:\n      nodes: [node01, node02]\n      services: [chainfire]\n    serialLogs: work/serial/*.log\n    unsupportedExitCodes: [77]\n`,
      "t.yaml",
    );
    const a = lane(catalog, "a");
    expect(a.consoles).toEqual(["node01", "node02"]);
    expect(a.vms).toEqual({ nodes: ["node01", "node02"], memoryMiB: 256, services: ["chainfire"], overlay: null });
    expect(a.serialLogs).toBe("work/serial/*.log");
    expect(a.unsupportedExitCodes).toEqual([77]);
  });

  it("refuses paths that leave the commit", () => {
    expect(() => parseCatalog(`${base}    serialLogs: ../../etc/*\n`, "t.yaml")).toThrow(
      /lanes\[0\]\.serialLogs: must be a relative path inside the commit/,
    );
    expect(() => parseCatalog(`${base}    vms:\n      nodes: [n1]\n      overlay: /etc\n`, "t.yaml")).toThrow(
      /lanes\[0\]\.vms\.overlay/,
    );
    expect(() => parseCatalog(`${base}    vms:\n      nodes: [harness]\n`, "t.yaml")).toThrow(/reserved/);
  });
});
