import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CatalogError, parseCatalog } from "./catalog";
import { applyOverlay, overlayNotes } from "./catalog-overlay-merge";
import { MAX_OVERLAY_BYTES, parseCatalogOverlay } from "./catalog-overlay";

const CATALOG = `version: 1
name: test
profiles:
  - id: cluster
    name: cluster
    outputs: [vm]
    requiredComponents: [iam]
    operations:
      - { name: status, command: [cluster, status] }
lanes:
  - { name: guard, description: eval guard, command: [nix, build, .#guard], group: regression-guard, host: tcg, timeoutSeconds: 600 }
  - name: smoke
    description: boots VMs
    command: [nix, run, .#smoke]
    profile: cluster
    group: publishable
    host: nested-kvm
    timeoutSeconds: 3600
    consoles: [node01, node02]
    needs: [guard]
    env: { A: catalog-a, B: catalog-b }
    operations:
      - { name: logs, command: [cluster, logs, "{node}"] }
      - { name: stop, command: [cluster, stop], endsHold: true }
gates:
  - { id: release, name: Release, lanes: [guard, smoke], release: true }
`;
const SOURCE = "proofboard.yaml@1a2b3c4d5e";
const FILE = "/etc/proofboard/site.yaml";
const catalog = parseCatalog(CATALOG, SOURCE);

const overlay = (...lines: string[]) => parseCatalogOverlay(["version: 1", "lanes:", ...lines, ""].join("\n"), FILE);
const lane = (c: ReturnType<typeof applyOverlay>, name: string) => c.catalog.lanes.find((l) => l.name === name)!;

function refusal(fn: () => unknown): CatalogError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CatalogError) return error;
    throw error;
  }
  throw new Error("the overlay was accepted");
}

describe("applyOverlay: merge rules", () => {
  it("overrides only the fields given; lists replace, env merges by key, operations by name", () => {
    const result = applyOverlay(
      catalog,
      overlay(
        "  - name: smoke", //                                                   3
        "    serialLogs: /var/lib/cluster/state/*.log",
        "    host: kvm",
        "    timeoutSeconds: 7200",
        "    consoles: [node09]",
        "    env: { B: site-b, C: site-c }",
        "    operations:",
        "      - { name: stop, command: [site-cluster, stop], endsHold: true }",
        '      - { name: ssh, command: [site-cluster, ssh, "{node}"] }',
      ),
      SOURCE,
    );
    const smoke = lane(result, "smoke");
    expect(smoke).toMatchObject({
      serialLogs: "/var/lib/cluster/state/*.log",
      host: "kvm",
      timeoutSeconds: 7200,
      consoles: ["node09"],
      // untouched fields stay as the catalog has them
      command: ["nix", "run", ".#smoke"],
      needs: ["guard"],
      group: "publishable",
      title: "smoke",
      env: { A: "catalog-a", B: "site-b", C: "site-c" },
    });
    // the site's stop replaces the lane's in place; ssh is new; the profile's status stays
    expect(smoke.operations.map((o) => [o.name, o.command.join(" ")])).toEqual([
      ["logs", "cluster logs {node}"],
      ["stop", "site-cluster stop"],
      ["status", "cluster status"],
      ["ssh", "site-cluster ssh {node}"],
    ]);
    expect(smoke.operations.find((o) => o.name === "ssh")?.perNode).toBe(true);
    expect(lane(result, "guard")).toBe(catalog.lanes[0]);
    expect(result.changes).toEqual(["smoke: serialLogs, host, timeoutSeconds, consoles, env, operations"]);
    expect(result.unused).toEqual([]);
    // the catalog it was given is not changed
    expect(catalog.lanes[1]?.host).toBe("nested-kvm");
  });

  it("adds a complete lane the catalog lacks, with its profile's operations and defaults", () => {
    const result = applyOverlay(
      catalog,
      overlay(
        "  - name: site-health",
        "    description: site check",
        "    command: [/etc/proofboard/health.sh]",
        "    profile: cluster",
        "    group: regression-guard",
        "    host: kvm",
        "    timeoutSeconds: 60",
        "    needs: [guard]",
        "    vms: { nodes: [probe] }",
      ),
      SOURCE,
    );
    expect(result.catalog.lanes.map((l) => l.name)).toEqual(["guard", "smoke", "site-health"]);
    expect(lane(result, "site-health")).toMatchObject({
      title: "site-health",
      consoles: ["probe"],
      env: {},
      serialLogs: null,
    });
    expect(lane(result, "site-health").operations.map((o) => o.name)).toEqual(["status"]);
    expect(result.changes).toEqual(["site-health: added"]);
  });

  it("an override of a lane this catalog lacks is a note, with the likely lane or what adding it would need", () => {
    const o = overlay(
      "  - name: smoek", //                       3
      "    timeoutSeconds: 60",
      "  - name: fresh-matrix", //                5
      "    command: [nix, run, .#matrix]",
      "    host: kvm",
      "  - name: fresh-demo", //                  8
      "    host: kvm",
    );
    const result = applyOverlay(catalog, o, SOURCE);
    expect(result.catalog).toBe(catalog);
    expect(overlayNotes(FILE, result.unused, SOURCE)).toEqual([
      'site overlay /etc/proofboard/site.yaml:3: no lane "smoek" in proofboard.yaml@1a2b3c4d5e; this override is unused (did you mean "smoke"?)',
      'site overlay /etc/proofboard/site.yaml:5: no lane "fresh-matrix" in proofboard.yaml@1a2b3c4d5e; this override is unused (to add it as a lane, it also needs description, group, timeoutSeconds)',
      // an override of a lane this (older) catalog lacks is not told how to become a lane
      'site overlay /etc/proofboard/site.yaml:8: no lane "fresh-demo" in proofboard.yaml@1a2b3c4d5e; this override is unused',
    ]);
  });

  it("VMs given by an override are consoles of the lane", () => {
    const result = applyOverlay(catalog, overlay("  - name: smoke", "    vms: { nodes: [node02, node03] }"), SOURCE);
    expect(lane(result, "smoke").consoles).toEqual(["node01", "node02", "node03"]);
  });

  it("parses the UltraCloud example and merges it onto catalogs/ultracloud.yaml", () => {
    const root = path.resolve(import.meta.dirname, "../../..");
    const ultracloud = parseCatalog(
      readFileSync(path.join(root, "catalogs/ultracloud.yaml"), "utf8"),
      "catalogs/ultracloud.yaml",
    );
    const example = parseCatalogOverlay(
      readFileSync(path.join(root, "catalogs/ultracloud-site.example.yaml"), "utf8"),
      "ultracloud-site.example.yaml",
    );
    const result = applyOverlay(ultracloud, example, "catalogs/ultracloud.yaml");
    expect(result.unused).toEqual([]);
    for (const name of ["fresh-smoke", "fresh-demo-vm-webapp", "fresh-matrix"]) {
      const l = lane(result, name);
      expect(l.serialLogs).toBe("/var/lib/ultracloud/test-cluster/state/*.log");
      expect(l.env.ULTRACLOUD_TEST_CLUSTER_STATE).toBe("/var/lib/ultracloud/test-cluster/state");
      expect(l.operations.map((o) => o.name)).toEqual(["status", "logs", "ssh", "stop", "clean"]);
      expect(l.operations.filter((o) => o.endsHold).map((o) => o.name)).toEqual(["stop", "clean"]);
      expect(l.operations.find((o) => o.name === "logs")?.command).toEqual([
        "nix",
        "run",
        "./nix/test-cluster#cluster",
        "--",
        "logs",
        "{node}",
      ]);
      expect(l.host).toBe("nested-kvm");
    }
    expect(lane(result, "fresh-matrix").timeoutSeconds).toBe(28800);
    expect(lane(result, "deployer-vm-smoke")).toMatchObject({ host: "kvm", timeoutSeconds: 3600 });
    expect(lane(result, "site-kvm-health")).toMatchObject({ host: "nested-kvm", triggers: { schedule: "30 1 * * *" } });
    expect(result.catalog.gates).toBe(ultracloud.gates);
    expect(result.catalog.lanes).toHaveLength(ultracloud.lanes.length + 1);
  });
});

describe("parseCatalogOverlay refuses hostile and mistaken overlays with file, path and line", () => {
  const entry =
    (...fields: string[]) =>
    () =>
      overlay("  - name: smoke", ...fields); // fields start at line 4

  it("a command given as a shell string, in a lane or an operation", () => {
    expect(refusal(entry("    command: rm -rf / #")).message).toBe(
      "/etc/proofboard/site.yaml:4: lanes[0].command: expected an array of strings (argv), not a shell string",
    );
    expect(refusal(entry("    operations:", '      - { name: ssh, command: "ssh $(node)" }')).message).toBe(
      "/etc/proofboard/site.yaml:5: lanes[0].operations[0].command: expected an array of strings (argv), not a shell string",
    );
  });

  it("'..', control characters and a wildcard root in serialLogs", () => {
    expect(refusal(entry("    serialLogs: /var/lib/../../etc/*.log")).message).toBe(
      "/etc/proofboard/site.yaml:4: lanes[0].serialLogs: a serialLogs glob cannot hold '..'; name the folder itself (a site overlay may use an absolute path)",
    );
    expect(refusal(entry("    serialLogs: work/../../x.log")).line).toBe(4);
    expect(refusal(entry('    serialLogs: "/var/log/\\x1b[2Jx.log"')).detail).toBe(
      "a serialLogs glob cannot hold control characters",
    );
    expect(refusal(entry("    serialLogs: /**/*.log")).detail).toMatch(
      /^an absolute serialLogs glob must start with a literal folder/,
    );
    expect(refusal(entry("    serialLogs: /*/state/*.log")).line).toBe(4);
  });

  it("PROOFBOARD_* environment names and NUL bytes in values", () => {
    expect(refusal(entry("    env:", "      PATH: /usr/bin", "      PROOFBOARD_RUN_ID: forged")).message).toBe(
      "/etc/proofboard/site.yaml:6: lanes[0].env.PROOFBOARD_RUN_ID: PROOFBOARD_* variables are set by Proofboard itself",
    );
    expect(refusal(entry("    env:", '      STATE: "/var/lib\\0/x"')).message).toBe(
      "/etc/proofboard/site.yaml:5: lanes[0].env.STATE: an environment value cannot hold a NUL byte",
    );
    expect(refusal(entry("    env: { 1BAD: x }")).path).toBe('lanes[0].env["1BAD"]');
  });

  it("unknown fields, with the field most likely meant", () => {
    expect(refusal(entry("    timeout_seconds: 60")).message).toBe(
      '/etc/proofboard/site.yaml:4: lanes[0].timeout_seconds: unknown field "timeout_seconds" (did you mean "timeoutSeconds"?)',
    );
    expect(refusal(entry("    serialLog: /var/x/*.log")).detail).toBe(
      'unknown field "serialLog" (did you mean "serialLogs"?)',
    );
    expect(refusal(entry("    operations:", "      - { name: stop, comand: [x] }")).message).toBe(
      '/etc/proofboard/site.yaml:5: lanes[0].operations[0].comand: unknown field "comand" (did you mean "command"?)',
    );
    expect(refusal(entry("    shell: true")).detail).toBe('unknown field "shell"');
    expect(refusal(() => parseCatalogOverlay("version: 1\nlane:\n  - name: smoke\n", FILE)).message).toBe(
      '/etc/proofboard/site.yaml:2: lane: unknown field "lane" (did you mean "lanes"?)',
    );
  });

  it("profiles, gates and other versions are not what an overlay changes", () => {
    expect(refusal(() => parseCatalogOverlay("version: 1\ngates: []\n", FILE)).message).toBe(
      '/etc/proofboard/site.yaml:2: gates: unknown field "gates"',
    );
    expect(refusal(() => parseCatalogOverlay("version: 2\nlanes: []\n", FILE)).message).toBe(
      "/etc/proofboard/site.yaml:1: version: expected 1, got number 2",
    );
  });

  it("an entry without a name, a bad name, a duplicate entry, an empty entry", () => {
    expect(refusal(() => overlay("  - host: kvm")).message).toBe(
      "/etc/proofboard/site.yaml:3: lanes[0].name: missing required field",
    );
    expect(refusal(() => overlay("  - name: Smoke Test", "    host: kvm")).path).toBe("lanes[0].name");
    expect(
      refusal(() => overlay("  - { name: smoke, host: kvm }", "  - { name: smoke, timeoutSeconds: 9 }")).message,
    ).toBe(
      '/etc/proofboard/site.yaml:4: lanes[1].name: lane "smoke" is already overridden at lanes[0]; give it one entry',
    );
    expect(refusal(() => overlay("  - name: smoke")).detail).toBe(
      'the entry for "smoke" gives nothing to override; add fields or remove it',
    );
  });

  it("an alias bomb, a syntax error and a file over 1 MiB", () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const c of "bcdefgh")
      bomb.push(
        `${c}: &${c} [${Array(9)
          .fill(`*${String.fromCharCode(c.charCodeAt(0) - 1)}`)
          .join(",")}]`,
      );
    const err = refusal(() => parseCatalogOverlay(`version: 1\n${bomb.join("\n")}\nlanes: []\n`, FILE));
    expect(err.message).toMatch(/^\/etc\/proofboard\/site\.yaml:1: YAML error: .*alias/i);
    expect(refusal(entry("    host: kvm", "   bad: indent")).message).toMatch(
      /^\/etc\/proofboard\/site\.yaml:5: YAML syntax error: \S/,
    );
    const huge = `version: 1\nlanes: []\n#${"x".repeat(MAX_OVERLAY_BYTES)}\n`;
    expect(refusal(() => parseCatalogOverlay(huge, FILE)).message).toBe(
      `/etc/proofboard/site.yaml:1: the overlay is ${Buffer.byteLength(huge)} bytes; the limit is 1 MiB (1048576 bytes): keep only site facts in it`,
    );
  });

  it("a merged lane that breaks a catalog rule, located in the overlay and naming the catalog", () => {
    const merge =
      (...lines: string[]) =>
      () =>
        applyOverlay(catalog, overlay(...lines), SOURCE);
    expect(refusal(merge("  - name: smoke", "    profile: big-cluster")).message).toBe(
      '/etc/proofboard/site.yaml:4: lanes[0].profile: unknown profile "big-cluster" (merging onto proofboard.yaml@1a2b3c4d5e)',
    );
    expect(
      refusal(merge("  - { name: guard, host: kvm }", "  - name: smoke", "    needs: [guard, guadr]")).message,
    ).toBe(
      '/etc/proofboard/site.yaml:5: lanes[1].needs[1]: unknown lane "guadr" (merging onto proofboard.yaml@1a2b3c4d5e)',
    );
    // the cycle is found at guard (not overridden); the override that gave `needs` is blamed
    const cycle = refusal(merge("  - name: guard", "    needs: [smoke]"));
    expect([cycle.file, cycle.path, cycle.line]).toEqual([FILE, "lanes[0].needs", 4]);
    expect(cycle.detail).toBe(
      "dependency cycle in needs: guard -> smoke -> guard (merging onto proofboard.yaml@1a2b3c4d5e)",
    );
    const dupOps = refusal(
      merge(
        "  - name: smoke",
        "    operations:",
        "      - { name: ssh, command: [a] }",
        "      - { name: ssh, command: [b] }",
      ),
    );
    expect([dupOps.path, dupOps.line]).toEqual(["lanes[0].operations[1].name", 6]);
    expect(refusal(merge("  - name: smoke", "    consoles: [node01, node01]")).path).toBe("lanes[0].consoles[1]");
  });
});
