import { markLostRuns, readConsole, requestRun, runById } from "@proofboard/services";
import { operatorCaller } from "../support/callers";
import { PgProxy } from "../support/pg-proxy";
import type { FaultContext, FaultResult, FaultScenario } from "./scenario";
import { catalogYaml, registerTarget, secondsSince, waitUntil } from "./support";

const INTERVAL_MS = 50;
/** NUL, invalid UTF-8, a multibyte character and escape sequences on every line */
const TAIL = Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x80]), Buffer.from(" € \x1b[31mred\x1b[0m\r\n")]);
const line = (i: number) => Buffer.concat([Buffer.from(`line ${i} `), TAIL]);

function laneScript(lines: number): string {
  return `const tail = Buffer.from(${JSON.stringify(TAIL.toString("base64"))}, "base64");
let i = 0;
const tick = () => {
  if (i === ${lines}) return;
  process.stdout.write(Buffer.concat([Buffer.from("line " + i + " "), tail]), () => { i++; setTimeout(tick, ${INTERVAL_MS}); });
};
tick();
`;
}

interface PageNotices {
  /** the spooled byte counts the run page was told while the database was away */
  spooled: number[];
  /** the run page was told every spooled byte is stored again */
  cleared: boolean;
  stop(): void;
}

/**
 * The run page's own stream (`runs.follow`, the subscription its terminal reads), followed from
 * the start: what a person watching the run would have been told.
 */
async function followAsRunPage(runId: string): Promise<PageNotices> {
  const caller = await operatorCaller("fault-suite");
  let stopped = false;
  const notices: PageNotices = { spooled: [], cleared: false, stop: () => (stopped = true) };
  void (async () => {
    // A server-side caller yields the raw tracked envelope [id, data].
    for await (const ev of await caller.runs.follow({ id: runId })) {
      if (stopped) break;
      const [, data] = ev as unknown as [string, typeof ev.data];
      if (data.type !== "buffering") continue;
      if (data.spooledBytes === null) notices.cleared = true;
      else notices.spooled.push(data.spooledBytes);
    }
  })().catch(() => undefined);
  return notices;
}

/**
 * PostgreSQL goes away from a worker mid-run: the worker reaches it through a TCP proxy the suite
 * cuts (every connection dropped, new ones refused), 20 s in CI and 60 s with --full. The lane keeps
 * printing; its console must be stored byte for byte, the run must pass, nobody may take the worker
 * for dead (its Redis key stays fresh), and the run page's stream must say it is buffering.
 */
async function run(ctx: FaultContext): Promise<FaultResult> {
  const away = ctx.full ? 60 : 20;
  const laneSeconds = away + 12;
  const lines = Math.round((laneSeconds * 1000) / INTERVAL_MS);
  const expected = Buffer.concat(Array.from({ length: lines }, (_, i) => line(i)));
  await registerTarget(ctx, {
    "proofboard.yaml": catalogYaml([
      { name: "steady", command: ["node", "lanes/steady.cjs"], timeoutSeconds: laneSeconds * 4 },
    ]),
    "lanes/steady.cjs": laneScript(lines),
  });
  const proxy = PgProxy.to(ctx.env.DATABASE_URL!);
  await proxy.listen();
  try {
    const cutOff = await ctx.spawnWorker({
      hostName: "cut-off",
      slots: 1,
      env: { DATABASE_URL: proxy.via(ctx.env.DATABASE_URL!) },
    });
    const r = await requestRun({ repository: ctx.targetName, branch: "main", lane: "steady" });
    await waitUntil(
      "the lane's first stored bytes",
      async () =>
        (await runById(r.id)).status === "running" &&
        (await readConsole(r.id, "harness").catch(() => null))?.data.length,
      60_000,
      ctx.signal,
    );
    const page = await followAsRunPage(r.id);
    proxy.cut();
    // The suite reconciles meanwhile on the real database, as the web and other workers do: it must
    // not take cut-off for dead, since cut-off's Redis key stays fresh.
    const cutAt = Date.now();
    while (Date.now() - cutAt < away * 1000) {
      await markLostRuns(8);
      await new Promise((res) => setTimeout(res, 2000));
    }
    const buffered = page.spooled.length > 0 && page.spooled.at(-1)! > 0;
    const statusDuring = (await runById(r.id)).status;
    const restoredAt = Date.now();
    await proxy.listen();
    await cutOff.waitForLine(/every spooled write is stored/, 120_000);
    const drained = secondsSince(restoredAt);
    const ended = await waitUntil(
      "the run to end",
      async () => {
        const x = await runById(r.id);
        return ["queued", "running"].includes(x.status) ? null : x;
      },
      (laneSeconds * 3 + 60) * 1000,
      ctx.signal,
    );
    page.stop();
    const stored = await readConsole(r.id, "harness", 0, 64 << 20);
    const exact = stored.data.equals(expected);
    const ok = ended.status === "passed" && exact && buffered && page.cleared && statusDuring === "running";
    const told = buffered
      ? `the run page was told it buffers (${page.spooled.at(-1)} bytes spooled at the last notice)${page.cleared ? " and then that all is stored" : ", never that it was stored"}`
      : `the run page was never told it buffers (${cutOff.output().includes("PostgreSQL unreachable") ? "the worker's log says it spooled" : "nor does the worker's log"})`;
    return {
      ok,
      happened: `database away ${away} s mid-run: ${told}; run ${statusDuring} during the cut and ${ended.status} after; spool written ${drained} s after the database returned; stored console ${exact ? "byte-exact" : `differs (${stored.data.length} of ${expected.length} bytes)`} (${expected.length} bytes with NUL, invalid UTF-8, escapes)`,
      recoverySeconds: drained,
    };
  } finally {
    proxy.cut();
  }
}

export const postgresAway: FaultScenario = {
  id: "postgres-away",
  fault: "PostgreSQL unreachable from a worker mid-run (TCP proxy cut; 20 s, --full 60 s)",
  mustHold:
    "the lane keeps running; console spooled and stored byte-exact when it returns; not taken for dead; run page told it buffers",
  budgetSeconds: 300,
  run,
};
