import type { Outputs } from "../api";
import { EXIT, toCliError } from "../errors";
import { clean, formatDuration, formatTime, heldSuffix, runDuration, shortSha, statusCell, table } from "../output";
import { isFinal, runArg, sleep, wholeOption, type Command, type Ctx } from "./context";
import { attemptWords } from "./run";

type RunDetail = Outputs["runs"]["get"];
type ListedRun = Outputs["runs"]["list"][number];

const POLL_MS = 500;
/** A web restart during a long lane should not fail the wait; a dead API for a minute should. */
const OUTAGE_TOLERANCE_MS = 60_000;
const QUEUED_HINT_MS = 30_000;

/** Where it ran: the host's name, or the class it waits for while no host has claimed it. */
const hostCell = (r: ListedRun) => r.hostName ?? `(${r.hostClass})`;

/** Why it did not pass, on one line and cut short (the table escapes what is invisible): proofboard run ID has all of it. */
function reasonCell(r: ListedRun): string {
  if (r.status === "passed") return "";
  // A queued retry's reason begins with who started it ("automatic retry 2 of 3 …; starts in 30 s"),
  // already in STARTED BY: only the rest is said again.
  const reason = r.reason?.startsWith(r.origin) ? r.reason.slice(r.origin.length).replace(/^[;:,]\s*/, "") : r.reason;
  const text = [r.failureKind, reason].filter(Boolean).join(": ");
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** `runs`: recent runs, newest first, with the web runs page's filters (validated by the server, which names the valid values). */
export const runs: Command = async (ctx) => {
  const limit = parseLimit(ctx);
  const before = ctx.options.get("before");
  const rows = await ctx.api.runs.list.query({
    repository: ctx.config.repository,
    status: ctx.options.get("status"),
    lane: ctx.options.get("lane"),
    branch: ctx.options.get("branch"),
    requester: ctx.options.get("requester"),
    host: ctx.options.get("host"),
    before: before === undefined ? undefined : await runArg(ctx, before),
    limit,
  });
  if (ctx.flags.has("json")) {
    ctx.out.json(rows);
    return 0;
  }
  if (rows.length === 0) {
    ctx.out.line("no runs");
    return 0;
  }
  const now = Date.now();
  const lines = table(
    ctx.out,
    ["ID", "LANE", "BRANCH", "SHA", "STATUS", "ATTEMPT", "DURATION", "QUEUED", "HOST", "STARTED BY", "REASON"],
    rows.map((r) => [
      r.id,
      r.lane,
      r.branch,
      shortSha(r.commitSha),
      statusCell(r.status),
      String(r.attempt),
      runDuration(r, now),
      formatTime(r.queuedAt),
      hostCell(r),
      r.origin,
      reasonCell(r),
    ]),
  );
  for (const l of lines) ctx.out.line(l);
  return 0;
};

const parseLimit = (ctx: Ctx) => wholeOption(ctx, "limit", 1, 500);

/** `missing BRANCH [--gate G]`: "rerun what is missing"; prints the queued runs' ids and lanes. */
export const missing: Command = async (ctx) => {
  const [branch] = ctx.args as [string];
  const result = await ctx.api.runs.rerunMissing.mutate({
    repository: ctx.config.repository,
    branch,
    gate: ctx.options.get("gate"),
  });
  const { runs: queued, note } = result;
  // On stderr, as rerun does: stdout stays the list of runs a script reads; --json carries it as "note".
  if (note && !ctx.flags.has("json")) ctx.out.info(clean(note));
  if (ctx.flags.has("json")) ctx.out.json(result);
  else if (queued.length === 0) ctx.out.line("nothing to queue: every missing lane is green or already under way");
  else for (const r of queued) ctx.out.line(`${r.id} ${clean(r.lane)} ${r.status}`);
  return 0;
};

/** `rerun BRANCH LANE`: queues a run on the branch's head; `--wait` follows it to its end. */
export const rerun: Command = async (ctx) => {
  const [branch, lane] = ctx.args as [string, string];
  const json = ctx.flags.has("json");
  const run = await ctx.api.runs.rerun.mutate({ repository: ctx.config.repository, branch, lane });
  // On stderr, so stdout stays the run id a script captures; --json carries it as "note".
  if (run.note && !json) ctx.out.info(clean(run.note));
  if (!ctx.flags.has("wait")) {
    if (json) ctx.out.json(run);
    else ctx.out.line(run.id);
    return 0;
  }
  // The id goes out first, so a script gets it even if the wait is interrupted.
  if (!json) ctx.out.line(run.id);
  ctx.out.info(
    `run ${run.id}: ${clean(run.lane)} on ${clean(run.branch)} at ${shortSha(run.commitSha)}, ${attemptWords(run)}: ${run.status}`,
  );
  const end = await waitForEnd(ctx, run.id, run.status);
  if (json) ctx.out.json(end);
  return end.status === "passed" ? 0 : 1;
};

async function waitForEnd(ctx: Ctx, id: string, initial: string): Promise<RunDetail> {
  const started = Date.now();
  let last = initial;
  let hinted = false;
  let outageSince: number | null = null;
  for (;;) {
    let run: RunDetail;
    try {
      run = await ctx.api.runs.get.query({ id });
    } catch (err) {
      const e = toCliError(err);
      if (e.exitCode !== EXIT.unreachable) throw e;
      if (outageSince === null) {
        outageSince = Date.now();
        ctx.out.info(`lost contact with the API, retrying for ${OUTAGE_TOLERANCE_MS / 1000}s: ${e.message}`);
      } else if (Date.now() - outageSince > OUTAGE_TOLERANCE_MS) {
        throw e;
      }
      await sleep(POLL_MS * 4);
      continue;
    }
    outageSince = null;
    if (run.status !== last) {
      ctx.out.info(`run ${run.id}: ${describe(run)}`);
      last = run.status;
    }
    if (isFinal(run.status)) return run;
    if (run.status === "queued" && !hinted && Date.now() - started > QUEUED_HINT_MS) {
      hinted = true;
      ctx.out.info(
        `still queued after ${QUEUED_HINT_MS / 1000}s: is a worker serving ${run.hostClass} lanes online? (proofboard hosts)`,
      );
    }
    await sleep(POLL_MS);
  }
}

function describe(run: RunDetail): string {
  if (run.status === "running") return `running${run.host ? ` on ${clean(run.host.name)}` : ""}`;
  if (run.status === "waiting")
    return run.reason ? `waiting: ${clean(run.reason)}` : "waiting for the lanes it needs to pass on this commit";
  if (!isFinal(run.status)) return run.status;
  const took = run.durationSeconds != null ? ` in ${formatDuration(run.durationSeconds * 1000)}${heldSuffix(run)}` : "";
  // The reason usually says it all ("exited with 3"); the bare exit code is the fallback.
  const detail = run.reason
    ? clean(run.reason)
    : run.exitCode !== null && run.status !== "passed"
      ? `exit code ${run.exitCode}`
      : null;
  const why = [run.failureKind ? `${run.failureKind} failure` : null, detail].filter(Boolean).join(": ");
  return `${run.status}${took}${why ? ` (${why})` : ""}`;
}
