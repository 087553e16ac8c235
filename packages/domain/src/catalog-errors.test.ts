import { describe, expect, it } from "vitest";
import { CatalogError, parseCatalog } from "./catalog";

// Line numbers in the expectations below refer to this text; keep it in step with them.
const BASE = [
  "version: 1", //                                1
  "name: test", //                                2
  "profiles:", //                                 3
  "  - id: dev", //                               4
  "    name: dev", //                             5
  "    outputs: [vm]", //                         6
  "    requiredComponents: [iam]", //             7
  "lanes:", //                                    8
  "  - name: guard", //                           9
  "    description: fast check", //              10
  '    command: ["nix", "build", ".#guard"]', // 11
  "    group: regression-guard", //              12
  "    host: tcg", //                            13
  "    timeoutSeconds: 600", //                  14
  "  - name: smoke", //                          15
  "    description: boots VMs", //               16
  "    command:", //                             17
  "      - nix", //                              18
  "      - run", //                              19
  "      - .#smoke", //                          20
  "    profile: dev", //                         21
  "    group: publishable", //                   22
  "    host: nested-kvm", //                     23
  "    timeoutSeconds: 3600", //                 24
  "    consoles: [node01]", //                   25
  "    needs: [guard]", //                       26
  "gates:", //                                   27
  "  - id: release", //                          28
  "    name: Release", //                        29
  "    lanes: [guard, smoke]", //                30
  "    release: true", //                        31
  "",
].join("\n");

const FILE = "catalogs/x.yaml";

function edit(from: string, to: string): string {
  if (!BASE.includes(from)) throw new Error(`test setup: ${JSON.stringify(from)} not in BASE`);
  return BASE.replace(from, to);
}

function refusal(text: string): CatalogError {
  try {
    parseCatalog(text, FILE);
  } catch (error) {
    if (error instanceof CatalogError) return error;
    throw error;
  }
  throw new Error("the catalog was accepted");
}

describe("parseCatalog refuses bad catalogs with file, path and line", () => {
  it("accepts the base text, so each refusal below comes from its one edit", () => {
    const catalog = parseCatalog(BASE, FILE);
    expect(catalog.lanes.map((l) => l.name)).toEqual(["guard", "smoke"]);
    expect(catalog.gates[0]?.release).toBe(true);
  });

  it("an unknown lane in a gate", () => {
    const err = refusal(edit("lanes: [guard, smoke]", "lanes: [guard, smoek]"));
    expect([err.file, err.path, err.line]).toEqual([FILE, "gates[0].lanes[1]", 30]);
    expect(err.message).toBe('catalogs/x.yaml:30: gates[0].lanes[1]: unknown lane "smoek"');
    expect(err.name).toBe("CatalogError");
  });

  it("a duplicate lane name", () => {
    const err = refusal(edit("  - name: smoke", "  - name: guard"));
    expect([err.path, err.line]).toEqual(["lanes[1].name", 15]);
    expect(err.detail).toBe('duplicate lane name "guard" (first at lanes[0].name)');
  });

  it("a command given as a shell string", () => {
    const err = refusal(
      edit("    command:\n      - nix\n      - run\n      - .#smoke", "    command: nix run .#smoke"),
    );
    expect(err.message).toBe(
      "catalogs/x.yaml:17: lanes[1].command: expected an array of strings (argv), not a shell string",
    );
  });

  it("a command on the line after its key, at the key's line", () => {
    const err = refusal(
      edit("    command:\n      - nix\n      - run\n      - .#smoke", "    command:\n      nix run .#smoke"),
    );
    expect([err.path, err.line]).toEqual(["lanes[1].command", 17]);
  });

  it("an empty argv element and an empty command", () => {
    expect(refusal(edit('"build", ".#guard"]', '"", ".#guard"]')).message).toBe(
      "catalogs/x.yaml:11: lanes[0].command[1]: an argv element must be a non-empty string",
    );
    expect(refusal(edit('["nix", "build", ".#guard"]', "[]")).path).toBe("lanes[0].command");
    expect(refusal(edit('"build", ".#guard"]', 'true, ".#guard"]')).detail).toBe("expected string, got boolean true");
  });

  it("a cycle in needs, spelled out", () => {
    const err = refusal(edit("    timeoutSeconds: 600\n", "    timeoutSeconds: 600\n    needs: [smoke]\n"));
    expect([err.path, err.line]).toEqual(["lanes[1].needs[0]", 27]);
    expect(err.detail).toBe("dependency cycle in needs: guard -> smoke -> guard");
  });

  it("a lane that needs itself", () => {
    const err = refusal(edit("    needs: [guard]", "    needs: [smoke]"));
    expect([err.path, err.line, err.detail]).toEqual([
      "lanes[1].needs[0]",
      26,
      "dependency cycle in needs: smoke -> smoke",
    ]);
  });

  it('a console retention that is not 1 to 3650 days or "forever", at its line', () => {
    const given = (value: string) =>
      edit("    timeoutSeconds: 600\n", `    timeoutSeconds: 600\n    consoleRetentionDays: ${value}\n`);
    for (const value of ["0", "3651", "-1", "2.5", '"30d"', '"Forever"', "'forever; rm -rf /'", "[30]"]) {
      const err = refusal(given(value));
      expect([err.path, err.line], value).toEqual(["lanes[0].consoleRetentionDays", 15]);
      expect(err.detail, value).toBe('expected a number of days from 1 to 3650, or "forever"');
    }
    const ok = (value: string) => parseCatalog(given(value), FILE).lanes[0]!.consoleRetentionDays;
    expect([ok("1"), ok("3650"), ok("forever"), ok("null")]).toEqual([1, 3650, "forever", null]);
  });

  it("a YAML syntax error, at its line", () => {
    const err = refusal(edit("    host: tcg\n", "    host: tcg\n   bad indent: x\n"));
    expect(err.line).toBe(14);
    expect(err.path).toBe("");
    expect(err.message).toMatch(/^catalogs\/x\.yaml:14: YAML syntax error: \S/);
    expect(err.message).not.toContain("\n");
  });

  it("a missing field, at the nearest line that exists", () => {
    const err = refusal(edit("    timeoutSeconds: 600\n", ""));
    expect(err.message).toBe("catalogs/x.yaml:9: lanes[0].timeoutSeconds: missing required field");
  });

  it("an unknown field (a snake_case typo), at the key", () => {
    const err = refusal(edit("    timeoutSeconds: 3600", "    timeout_seconds: 3600"));
    // reported once, where it was typed, rather than as a missing timeoutSeconds at the lane's first line
    expect(err.message).toBe(
      'catalogs/x.yaml:24: lanes[1].timeout_seconds: unknown field "timeout_seconds" (did you mean "timeoutSeconds"?)',
    );
    // problems are reported top to bottom: the missing field (at lane 0, line 9) comes before the stray key
    const both = refusal(
      edit("    host: tcg", "    host: tcg\n    shell: true").replace("    timeoutSeconds: 600\n", ""),
    );
    expect([both.path, both.line]).toEqual(["lanes[0].timeoutSeconds", 9]);
    // zod lists a stray key after the object's other problems; the file's order wins
    const early = refusal(
      edit("    description: fast check", "    shell: true\n    description: fast check").replace(
        "group: regression-guard",
        "group: nightly",
      ),
    );
    expect([early.path, early.line]).toEqual(["lanes[0].shell", 10]);
    const onlyStray = refusal(edit("    host: tcg", "    host: tcg\n    shell: true"));
    expect([onlyStray.path, onlyStray.line, onlyStray.detail]).toEqual(["lanes[0].shell", 14, 'unknown field "shell"']);
  });

  it("references to unknown profiles and lanes", () => {
    expect(refusal(edit("    profile: dev", "    profile: prod")).message).toBe(
      'catalogs/x.yaml:21: lanes[1].profile: unknown profile "prod"',
    );
    expect(refusal(edit("    needs: [guard]", "    needs: [gaurd]")).message).toBe(
      'catalogs/x.yaml:26: lanes[1].needs[0]: unknown lane "gaurd"',
    );
  });

  it("bad names, consoles, timeouts, groups and versions", () => {
    expect(refusal(edit("  - name: smoke", "  - name: Smoke Test")).path).toBe("lanes[1].name");
    const harness = refusal(edit("consoles: [node01]", "consoles: [node01, harness]"));
    expect([harness.path, harness.line]).toEqual(["lanes[1].consoles[1]", 25]);
    expect(harness.detail).toContain("reserved");
    expect(refusal(edit("consoles: [node01]", "consoles: [Node 1]")).path).toBe("lanes[1].consoles[0]");
    expect(refusal(edit("timeoutSeconds: 600", "timeoutSeconds: 0")).message).toBe(
      "catalogs/x.yaml:14: lanes[0].timeoutSeconds: must be greater than 0",
    );
    expect(refusal(edit("timeoutSeconds: 600", "timeoutSeconds: 1.5")).detail).toBe(
      "expected a whole number, got number 1.5",
    );
    expect(refusal(edit("group: publishable", "group: nightly")).detail).toMatch(/^expected one of "publishable", /);
    expect(refusal(edit("version: 1", "version: 2")).message).toBe(
      "catalogs/x.yaml:1: version: expected 1, got number 2",
    );
  });

  it("a gate without lanes, and duplicates inside lists", () => {
    expect(refusal(edit("lanes: [guard, smoke]", "lanes: []")).path).toBe("gates[0].lanes");
    expect(refusal(edit("lanes: [guard, smoke]", "lanes: [guard, guard]")).path).toBe("gates[0].lanes[1]");
    expect(refusal(edit("consoles: [node01]", "consoles: [node01, node01]")).path).toBe("lanes[1].consoles[1]");
  });

  it("a document that is not a mapping at all", () => {
    expect(refusal("").message).toBe("catalogs/x.yaml:1: expected a mapping, got null");
    expect(refusal("- a\n- b\n").detail).toBe("expected a mapping, got an array");
  });
});
