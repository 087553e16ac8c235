import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults, ImpactValue, Result } from "axe-core";
import type { Page } from "playwright-core";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** What a keyboard or screen-reader user cannot get past, as opposed to advice. */
export const BLOCKING: readonly ImpactValue[] = ["serious", "critical"];

/**
 * Runs axe-core (WCAG 2.x A and AA rules, plus its best practices) on the page as it is now and
 * returns the violations. Injected through the DevTools protocol, so a page's CSP does not matter.
 */
export async function axeViolations(page: Page): Promise<Result[]> {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResults> } }).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
      resultTypes: ["violations"],
    }),
  );
  return results.violations;
}

/** The serious and critical violations only. */
export async function blockingViolations(page: Page): Promise<Result[]> {
  return (await axeViolations(page)).filter((v) => v.impact != null && BLOCKING.includes(v.impact));
}

/** One block per rule: what is wrong, where (selector and the element's HTML), and axe's own fix hint. */
export function formatViolations(where: string, violations: readonly Result[]): string {
  if (violations.length === 0) return `${where}: no violations`;
  const blocks = violations.map((v) => {
    const nodes = v.nodes
      .slice(0, 5)
      .map(
        (n) =>
          `    - ${n.target.join(" ")}\n      ${n.html.slice(0, 160)}\n      ${n.failureSummary?.replace(/\n\s*/g, "; ") ?? ""}`,
      );
    const more = v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : "";
    return `  [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? "" : "s"})\n${nodes.join("\n")}${more}\n    ${v.helpUrl}`;
  });
  return `${where}:\n${blocks.join("\n")}`;
}
