/**
 * Screenshots of Proofboard pages in Debian's Chromium, to look at what we built:
 *   pnpm exec tsx scripts/screenshot.ts /path/out.png http://localhost:3000/ [width] [height]
 */
import { chromium } from "playwright-core";

const [out, url, width = "1440", height = "900"] = process.argv.slice(2);
if (!out || !url) throw new Error("usage: tsx scripts/screenshot.ts OUT.png URL [width] [height]");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
  await page.goto(url, { waitUntil: "networkidle" }).catch(() => page.waitForTimeout(2000));
  await page.waitForTimeout(1500);
  await page.screenshot({ path: out, fullPage: true });
  console.log(out);
} finally {
  await browser.close();
}
