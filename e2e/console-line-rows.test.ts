import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { startStack, waitUntil, type Stack } from "./support/stack";

/**
 * A console the way real ones look: a boot loader drawing its menu by cursor addressing, then
 * lines, then raw random bytes (escapes that never end among them), then lines and a failure.
 * Permalinks and "jump to first failure" must select the very line the bytes number.
 */
function randomBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

const bootScript = `#!/bin/bash
printf '\\033[2J\\033[H\\033[?25l'
for r in $(seq 2 20); do printf '\\033[%d;10H| GNU GRUB entry %d |' "$r" "$r"; done
printf '\\033[24;1H\\n'
for i in $(seq 1 200); do echo "before junk $i"; done
base64 -d lanes/junk.b64
printf '\\n'
for i in $(seq 1 200); do echo "after junk $i"; done
echo "FAIL: the check after the junk"
for i in $(seq 1 40); do echo "tail $i"; done
exit 1
`;

// systemd redraws its "A start job is running" line in place: each redraw ends with a newline and
// the next moves back up (ESC M) before it prints; the failure is drawn where the job line was.
const systemdScript = `#!/bin/bash
for i in $(seq 1 20); do echo "boot $i"; done
printf '[  ***] A start job is running for /dev/vda (1s / 1min 30s)\\n'
for s in 2 3 4 5; do printf '\\033M\\r\\033[K[ ***  ] A start job is running for /dev/vda (%ss / 1min 30s)\\n' "$s"; done
printf '\\033M\\r\\033[K[\\033[0;1;31mFAILED\\033[0m] Failed to start systemd-fsck-root.service.\\n'
for i in $(seq 1 40); do echo "after $i"; done
exit 1
`;

let stack: Stack;
let browser: Browser;
let page: Page;
let runId: string;
let systemdRun: string;

beforeAll(async () => {
  const junk = randomBytes(8192, 20261206);
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "boot", command: ["bash", "lanes/boot.sh"] },
      { name: "systemd", command: ["bash", "lanes/systemd.sh"] },
    ]),
    "lanes/systemd.sh": systemdScript,
    "lanes/boot.sh": bootScript,
    "lanes/junk.b64": junk.toString("base64"),
  });
  stack = await startStack({ port: 3211, targetUrl: target.dir, targetName: "e2e-target", name: "e2e_lines" });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  runId = (await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "boot" })).id;
  systemdRun = (await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "systemd" })).id;
  for (const id of [runId, systemdRun])
    await waitUntil(
      `run ${id} to fail`,
      async () => (await stack.query<{ status: string }>("runs.get", { id })).status === "failed",
      60_000,
    );
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The text of the terminal row xterm shows selected. */
const selectedRow = () =>
  page.evaluate(() => {
    const term = document.querySelector('[data-console="harness"] .xterm');
    const selection = term?.querySelector<HTMLElement>(".xterm-selection div");
    const rows = [...(term?.querySelectorAll<HTMLElement>(".xterm-rows > div") ?? [])];
    if (!selection || rows.length === 0) return null;
    const height = rows[0]!.getBoundingClientRect().height;
    return rows[Math.round(selection.offsetTop / height)]?.textContent?.trimEnd() ?? null;
  });

const linkNote = async () => {
  await page.getByRole("button", { name: "Link to selected line" }).click();
  return page.getByTestId("link-note").innerText();
};

describe("console lines after cursor drawing and raw bytes", () => {
  it("jumps to the first failure and selects its line", async () => {
    await page.goto(`${stack.url}/runs/${runId}`);
    const jump = page.getByRole("button", { name: /^Jump to first failure \(harness:\d+\)$/ });
    const failureLine = Number((await jump.innerText()).match(/harness:(\d+)/)![1]);
    await expect.poll(selectedRow, { timeout: 20_000 }).toBe("FAIL: the check after the junk");
    await expect.poll(linkNote).toBe(`link to harness line ${failureLine} copied`);

    await page.goto(`${stack.url}/runs/${runId}?console=harness&line=${failureLine - 101}`);
    await expect.poll(selectedRow, { timeout: 20_000 }).toBe("after junk 100");
    await jump.click();
    await expect.poll(selectedRow).toBe("FAIL: the check after the junk");
  });

  it("opens a permalink to a line drawn after the boot menu at that line", async () => {
    // line 1 is the menu and its newline: "before junk 50" is line 51
    await page.goto(`${stack.url}/runs/${runId}?console=harness&line=51`);
    await expect.poll(selectedRow, { timeout: 20_000 }).toBe("before junk 50");
    await expect.poll(linkNote).toBe("link to harness line 51 copied");
  });

  it("keeps the selection on its line when the page changes width (xterm reflows its rows)", async () => {
    await page.goto(`${stack.url}/runs/${runId}`);
    const jump = page.getByRole("button", { name: /^Jump to first failure \(harness:\d+\)$/ });
    await expect.poll(selectedRow, { timeout: 20_000 }).toBe("FAIL: the check after the junk");
    for (const width of [700, 1000, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(300);
      await jump.click();
      await expect.poll(selectedRow, { message: `at ${width} px` }).toBe("FAIL: the check after the junk");
    }
  });

  it("opens at systemd's failure drawn over its start-job line, and a link to a line drawn over reads the console from it", async () => {
    await page.goto(`${stack.url}/runs/${systemdRun}`);
    await expect.poll(selectedRow, { timeout: 20_000 }).toMatch(/^\[FAILED\] Failed to start systemd-fsck-root/);
    await expect.poll(linkNote).toBe("link to harness line 26 copied");
    // Line 21 is the first start-job line, redrawn in place by the next ones: the page reads the
    // console from that line, and selects the row it was drawn on, which shows what drew over it.
    await page.goto(`${stack.url}/runs/${systemdRun}?console=harness&line=21`);
    await expect
      .poll(() => page.getByTestId("console-ruler").innerText(), { timeout: 20_000 })
      .toContain("from line 21");
    await expect.poll(selectedRow).toMatch(/^\[FAILED\] Failed to start systemd-fsck-root/);
  });
});
