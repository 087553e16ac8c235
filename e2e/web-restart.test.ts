import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { startStack, waitUntil, type Stack } from "./support/stack";

/**
 * The web process is killed (SIGKILL) and started again while a run page follows a live lane.
 * The page must resume where it stopped: every line once, in order, none missing.
 */
const LINES = 200;
const ticker = `let i = 0; const t = setInterval(() => { i++; process.stdout.write("line " + String(i).padStart(4, "0") + "\\n"); if (i === ${LINES}) clearInterval(t); }, 150);`;
const WEB_PORT = 3122;
const root = path.resolve(import.meta.dirname, "..");

let stack: Stack;
let browser: Browser;
let web: ChildProcess | undefined;

/** A web process of the test's own (the stack's own web stays up on its port), so it can be killed. */
function startWeb(): ChildProcess {
  const log = openSync(path.join(stack.dataDir, "restarted-web.log"), "a");
  return spawn(
    process.execPath,
    [path.join(root, "apps/web/node_modules/next/dist/bin/next"), "start", "-p", String(WEB_PORT)],
    {
      cwd: path.join(root, "apps/web"),
      env: { ...stack.env, PORT: String(WEB_PORT) },
      detached: true,
      stdio: ["ignore", log, log],
    },
  );
}

async function killWeb(): Promise<void> {
  const w = web;
  web = undefined;
  if (!w?.pid || w.exitCode !== null || w.signalCode !== null) return;
  const exited = new Promise((r) => w.once("exit", r));
  process.kill(-w.pid, "SIGKILL");
  await exited;
}

const answers = async () => (await fetch(`http://127.0.0.1:${WEB_PORT}`).catch(() => null))?.ok ?? false;

beforeAll(async () => {
  const target = makeRepo({ "proofboard.yaml": catalogYaml([{ name: "ticker", command: ["node", "-e", ticker] }]) });
  stack = await startStack({ port: 3121, targetUrl: target.dir, targetName: "webrestart", name: "e2e" });
  web = startWeb();
  await waitUntil("the test's web process to answer", answers, 60_000);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await killWeb();
  await stack?.stop();
});

/** What a reverse proxy in front of a restarting app answers: 502, which closes an EventSource for good. */
async function badGatewayFor(ms: number): Promise<void> {
  const stub = http.createServer((_req, res) =>
    res.writeHead(502, { "content-type": "text/plain" }).end("bad gateway"),
  );
  await new Promise<void>((r) => stub.listen(WEB_PORT, "127.0.0.1", r));
  await new Promise((r) => setTimeout(r, ms));
  stub.closeAllConnections();
  await new Promise((r) => stub.close(r));
}

describe("web restarted while a run page follows", () => {
  it.each([
    ["refused while down", () => new Promise((r) => setTimeout(r, 3000))],
    ["502 from a proxy while down", () => badGatewayFor(5000)],
  ])("resumes the live console with no gap and no duplicate (%s)", async (_name, whileDown) => {
    // Tall enough that the terminal draws every line at once (xterm's DOM renderer draws only visible rows).
    const page = await browser.newPage({ viewport: { width: 1280, height: 6000 } });
    const run = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "ticker" });
    await page.goto(`http://127.0.0.1:${WEB_PORT}/runs/${run.id}`);
    const text = () => page.locator('[data-console="harness"] .xterm-rows').innerText();
    await expect.poll(text, { timeout: 60_000 }).toContain("line 0020");

    await killWeb();
    await whileDown();
    await page.screenshot({ path: path.join(stack.dataDir, `web-down-${_name.split(" ")[0]}.png`) });
    const label = page.getByTestId("console-connection");
    const during = (await label.count()) ? await label.innerText() : "(no console label)";
    web = startWeb();
    await waitUntil("the restarted web process to answer", answers, 60_000);

    await expect
      .poll(() => page.getByTestId("run-status").getAttribute("data-status"), { timeout: 90_000 })
      .toBe("passed");
    await expect.poll(text, { timeout: 30_000 }).toContain(`line ${String(LINES).padStart(4, "0")}`);
    await page.screenshot({ path: path.join(stack.dataDir, "web-restart.png") });
    const lines = (await text())
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("line "));
    expect(lines).toEqual(Array.from({ length: LINES }, (_, i) => `line ${String(i + 1).padStart(4, "0")}`));
    // The page showed the outage rather than pretending to be live.
    expect(during).not.toBe("● live");
    const got = await stack.query<{ consoles: { name: string; length: number }[] }>("runs.get", { id: run.id });
    expect(got.consoles.find((c) => c.name === "harness")?.length).toBe(LINES * "line 0000\n".length);
    await page.close();
  });
});
