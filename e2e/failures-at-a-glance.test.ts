import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { startStack, waitUntil, type Stack } from "./support/stack";

/**
 * A failed multi-VM run as a release engineer opens it: the lane runs like `nix build -L` in a
 * pipe (the piped form of the NixOS test driver's output); node02 fails late, node01 passes,
 * node04 is declared and never prints.
 */
const clusterScript = `#!/bin/bash
d=vm-test-run-cluster
say() { echo "$d> $*" >&2; }
say "start all VMs"
say "node01: starting vm"
say "node02: starting vm"
for i in $(seq 1 150); do
  say "node01 # [    $i.000000] node01 boot line $i"
  say "node02 # [    $i.000000] node02 boot line $i"
  if [ "$i" = 60 ]; then say "node02 # [FAILED] Failed to start flaredb.service - FlareDB region server."; fi
done
say "!!! RequestedAssertionFailed: unit flaredb.service is failed"
exit 1
`;

let stack: Stack;
let browser: Browser;
let page: Page;
let runId: string;

beforeAll(async () => {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "cluster", command: ["bash", "lanes/cluster.sh"], consoles: ["node01", "node02", "node04"] },
    ]),
    "lanes/cluster.sh": clusterScript,
  });
  stack = await startStack({ port: 3111, targetUrl: target.dir, targetName: "e2e-target", name: "e2e" });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  runId = (await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "cluster" })).id;
  await waitUntil(
    "the cluster run to fail",
    async () => (await stack.query<{ status: string }>("runs.get", { id: runId })).status === "failed",
    60_000,
  );
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const tile = (name: string) => page.locator(`section[data-console="${name}"]`);
/** The rows xterm draws right now (its DOM renderer draws only the visible ones). */
const visible = (name: string) => tile(name).locator(".xterm-rows").innerText();

describe("a failed multi-VM run at a glance", () => {
  it("opens on the first failing VM, scrolled to its first failure, each VM with its verdict", async () => {
    await page.goto(`${stack.url}/runs/${runId}`);
    await expect.poll(() => tile("node02").getAttribute("data-active")).toBe("true");
    await expect.poll(() => tile("node02").locator("[data-verdict]").innerText()).toBe("failed");
    await expect.poll(() => tile("node01").locator("[data-verdict]").innerText()).toBe("no failure seen");
    await expect.poll(() => tile("node04").locator("[data-verdict]").innerText()).toBe("no output");
    // Line 61 of node02 is the failure; its last line (151) is far below it.
    await expect.poll(() => visible("node02")).toContain("[FAILED] Failed to start flaredb.service");
    expect(await visible("node02")).not.toContain("node02 boot line 150");
    expect(await tile("node02").getByTestId("first-failure").innerText()).toMatch(
      /^line 61\s+\[FAILED\] Failed to start flaredb.service/,
    );
  });

  it("says which declared console never printed, and what was expected", async () => {
    await expect
      .poll(() => tile("node04").getByTestId("no-output").innerText())
      .toMatch(
        /^node04: no output captured \(expected from proofboard\.yaml@[0-9a-f]{10}, the consoles of lane cluster; looked for test-driver lines\)$/,
      );
  });

  it("jumps back to the first failure, and a permalink opens any line of any console", async () => {
    await page.goto(`${stack.url}/runs/${runId}?console=node01&line=5`);
    await expect.poll(() => tile("node01").getAttribute("data-active")).toBe("true");
    await expect.poll(() => visible("node01")).toContain("node01 boot line 4\n");
    expect(await visible("node01")).not.toContain("node01 boot line 150");

    await page.getByRole("button", { name: /^Jump to first failure \(node02:61\)$/ }).click();
    await expect.poll(() => tile("node02").getAttribute("data-active")).toBe("true");
    await expect.poll(() => visible("node02")).toContain("[FAILED] Failed to start flaredb.service");

    await tile("node02").getByTestId("first-failure").getByRole("link", { name: "link" }).click();
    await expect.poll(() => new URL(page.url()).search).toBe("?console=node02&line=61");
    await expect.poll(() => visible("node02")).toContain("[FAILED] Failed to start flaredb.service");
  });
});
