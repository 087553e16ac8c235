import { db } from "@proofboard/db";

export { catalogYaml, makeRepo } from "../support/target-repo";

export async function resetDb(): Promise<void> {
  await db().$executeRawUnsafe(`TRUNCATE console_chunk, console, run_metric, run, commit, branch, repository, host, webhook_delivery CASCADE`);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
