import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { launchChromium } from "../e2e/support/browser";
const server = createServer((req, res) => {
  if (req.url === "/bundle.js") { res.setHeader("content-type", "text/javascript"); res.end(readFileSync("/tmp/pb/xb/bundle.js")); return; }
  res.setHeader("content-type", "text/html"); res.end('<html><body><script type="module" src="/bundle.js"></script></body></html>');
}).listen(3999);
const browser = await launchChromium();
const page = await browser.newPage();
await page.goto("http://localhost:3999/");
await page.waitForFunction(() => typeof (window as any).run === "function");
for (const kind of ["yes", "random"]) for (let i = 0; i < 2; i++) for (const w of [false, true]) console.log(JSON.stringify(await page.evaluate(([w, k]) => (window as any).run(w, k), [w, kind] as const)));
await browser.close(); server.close();
