/**
 * The web process reconciles too: with every worker down, nothing else would notice runs left
 * "running" or queued runs Redis forgot. Reconciling is idempotent, so more than one is harmless.
 */
export async function register(): Promise<void> {
  // Next.js's own variables, set before any module loads; @proofboard/env cannot be imported yet (edge runtime, build).
  // The test is written out in full so that the edge build drops the import (Next's documented pattern).
  // eslint-disable-next-line no-restricted-properties -- see above
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NEXT_PHASE !== "phase-production-build") {
    const { startBackground } = await import("./instrumentation-node");
    await startBackground();
  }
}
