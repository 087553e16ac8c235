import { createHash } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { pumpScript } from "../tests/support/pump-script";
import { launchChromium } from "./support/browser";
import { operatorPage, STACK_OPERATOR, startStack, type Stack } from "./support/stack";

/**
 * What lanes really print at their worst, watched live (issue #12): `yes`, random bytes, one
 * 10 MiB line without a newline, and a million carriage-return progress updates, ~43 MiB in all.
 * The page must stay responsive throughout, show the end, and every byte must be stored as printed.
 */
function* floods(): Generator<Buffer> {
  yield Buffer.from("yes:\n");
  yield Buffer.alloc(8 << 20, "y\n");
  yield Buffer.from("\nrandom bytes:\n");
  let x = 0x9e3779b9; // xorshift32: the same "random" bytes in the lane and in the test
  for (let block = 0; block < 8; block++) {
    const b = Buffer.alloc(1 << 20);
    for (let i = 0; i < b.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b.writeUInt32LE(x >>> 0, i);
    }
    yield b;
  }
  yield Buffer.from("\none line of 10 MiB:\n");
  yield Buffer.alloc(10 << 20, "0123456789abcdef");
  yield Buffer.from("\nprogress:\n");
  for (let i = 0; i < 1_000_000; i += 10_000) {
    let s = "";
    for (let j = i; j < i + 10_000; j++) s += `\rprogress ${j} of 1000000`;
    yield Buffer.from(s);
  }
  yield Buffer.from("\nFLOOD DONE\n");
}

const laneScript = pumpScript(floods);

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([{ name: "floods", command: ["node", "lanes/floods.cjs"], timeoutSeconds: 600 }]),
    "lanes/floods.cjs": laneScript,
  });
  stack = await startStack({ port: 3197, targetUrl: target.dir, targetName: "floods", name: "e2e_floods" });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("a console under floods", () => {
  it("keeps the run page responsive, shows the end, and stores every byte as printed", async () => {
    const page = await operatorPage(browser, stack, { width: 1366, height: 900 });
    // The page's main thread, sampled every 50 ms: the longest it was away is how long it froze.
    await page.addInitScript(() => {
      const w = window as unknown as { __longestGap: number };
      w.__longestGap = 0;
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        w.__longestGap = Math.max(w.__longestGap, now - last);
        last = now;
      }, 50);
    });
    const { id } = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "floods" });
    await page.goto(`${stack.url}/runs/${id}`);
    await page.locator('[data-console="harness"] .xterm-rows').waitFor();
    // While it floods, the page still answers a person: a round trip into the page and a keystroke in a field.
    const roundTrips: number[] = [];
    const status = () => page.getByTestId("run-status").getAttribute("data-status");
    while ((await status()) !== "passed") {
      const started = Date.now();
      await page.evaluate(() => document.title);
      roundTrips.push(Date.now() - started);
      expect(["queued", "running", "passed"]).toContain(await status());
      await page.waitForTimeout(100);
    }
    await expect
      .poll(() => page.locator('[data-console="harness"] .xterm-rows').innerText(), { timeout: 60_000 })
      .toContain("FLOOD DONE");
    const longestGap = await page.evaluate(() => (window as unknown as { __longestGap: number }).__longestGap);
    const heap = await page.evaluate(
      () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
    );
    console.log(
      `floods: ${roundTrips.length} round trips while running, longest ${Math.max(0, ...roundTrips)} ms; ` +
        `longest main-thread gap ${longestGap.toFixed(0)} ms; JS heap ${(heap / 1048576).toFixed(0)} MiB`,
    );
    expect(Math.max(0, ...roundTrips)).toBeLessThan(5_000);
    expect(longestGap).toBeLessThan(5_000);
    // xterm.js keeps 100,000 rows of cells per terminal, most of this heap at this width (see Known limits).
    expect(heap).toBeLessThan(768 << 20);

    const cookie = `pb_session=${await stack.session(STACK_OPERATOR.name, STACK_OPERATOR.password)}`;
    const res = await fetch(`${stack.url}/api/runs/${id}/consoles/harness/raw`, { headers: { cookie } });
    const stored = createHash("sha256")
      .update(Buffer.from(await res.arrayBuffer()))
      .digest("hex");
    const printed = createHash("sha256");
    for (const b of floods()) printed.update(b);
    expect(stored).toBe(printed.digest("hex"));
    await page.context().close();
  });
});
