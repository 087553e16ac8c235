import { writeFileSync } from "node:fs";
import path from "node:path";
import { db } from "@proofboard/db";
import { enqueueRun } from "@proofboard/jobs";
import { targetFault } from "@proofboard/services";
import type { FaultScenario } from "./scenario";
import { catalogYaml, cloneOf, registerTarget, secondsSince, waitUntil } from "./support";

const LANES = ["hello", "again"];
const VERDICTS_THAT_MUST_NOT_COME = ["error", "failed", "lost", "timed_out"];

export const badRef: FaultScenario = {
  id: "bad-ref",
  fault:
    "bad ref pushed into the target (a branch naming a commit whose objects never arrived) while runs are requested",
  mustHold:
    "no run ends error/failed; runs on commits the target has pass; runs on the bad ref's commit wait, naming the fetch failure; once the push completes they run and pass",
  budgetSeconds: 150,
  async run(ctx) {
    const { target, repo } = await registerTarget(ctx, {
      "proofboard.yaml": catalogYaml(
        LANES.map((name) => ({ name, command: ["bash", "-c", `echo ${name} at $PROOFBOARD_COMMIT`] })),
      ),
    });
    // a sync every 3 s: the worker's mirror sees the completed push soon after it lands
    const spawnedAt = new Date();
    const worker = await ctx.spawnWorker({
      hostName: "faults-badref",
      slots: 2,
      env: { PROOFBOARD_SYNC_INTERVAL_SECONDS: "3" },
    });
    // The fault comes after the worker's first sync: its mirror is a clone of a healthy target.
    await waitUntil(
      "the worker's first sync",
      async () => (await db().repository.findUniqueOrThrow({ where: { id: repo.id } })).lastSyncedAt! > spawnedAt,
      30_000,
      ctx.signal,
    );

    // The bad ref: a push whose ref update landed and whose objects did not. Every full fetch fails.
    const clone = cloneOf(target.dir);
    clone.git("checkout", "-q", "-b", "feature");
    const stranded = clone.commit({}, "a commit whose push is half done");
    writeFileSync(path.join(target.dir, ".git/refs/heads/feature"), `${stranded}\n`);
    // A good commit pushed at the same moment: the worker's mirror lacks it and must fetch it by id.
    const good = target.commit({ "notes.txt": "pushed while the bad ref is there\n" }, "a good commit");

    const runs: { id: string; sha: string }[] = [];
    for (const [sha, branch] of [
      [good, "main"],
      [stranded, "feature"],
    ] as const) {
      for (const lane of LANES) {
        const row = await db().run.create({
          data: {
            repositoryId: repo.id,
            commitSha: sha,
            branchName: branch,
            lane,
            attempt: 1,
            argv: ["bash", "-c", `echo ${lane} at $PROOFBOARD_COMMIT`],
            timeoutSeconds: 60,
            hostClass: "tcg",
            catalogSource: `proofboard.yaml@${sha.slice(0, 10)}`,
            trigger: "push",
          },
        });
        await enqueueRun(row.id, "tcg");
        runs.push({ id: row.id, sha });
      }
    }
    const ids = runs.map((r) => r.id);
    const badVerdicts = new Set<string>();
    const snapshot = async () => {
      const rows = await db().run.findMany({
        where: { repositoryId: repo.id },
        select: { id: true, commitSha: true, status: true, reason: true },
      });
      for (const r of rows)
        if (VERDICTS_THAT_MUST_NOT_COME.includes(r.status))
          badVerdicts.add(`${r.id.slice(0, 8)} ${r.status}: ${r.reason ?? ""}`);
      return rows.filter((r) => ids.includes(r.id));
    };

    const during = await waitUntil(
      "runs on the good commit to pass and runs on the stranded one to wait with the reason",
      async () => {
        const rows = await snapshot();
        const goodDone = rows.filter((r) => r.commitSha === good).every((r) => r.status === "passed");
        const waiting = rows.filter((r) => r.commitSha === stranded && r.status === "waiting" && r.reason);
        return goodDone && waiting.length === LANES.length && waiting;
      },
      60_000,
      ctx.signal,
    ).catch(async (err: Error) => {
      ctx.log(`${err.message}: ${JSON.stringify(await snapshot())}`);
      return null;
    });
    const reason = during?.[0]?.reason ?? "";
    const reasonNamesFetch = /could not be fetched from the target \(.*not our ref/.test(reason);
    ctx.log(`waiting reason: ${reason}`);
    const fault = await targetFault(repo.id);

    // The push completes: the objects land in the target, the ref is good again.
    const t0 = Date.now();
    target.git("fetch", "-q", clone.dir, "+refs/heads/feature:refs/heads/feature");
    const recovered = await waitUntil(
      "every run to pass after the fix",
      async () => {
        const rows = await snapshot();
        return rows.every((r) => r.status === "passed") && rows;
      },
      90_000,
      ctx.signal,
    ).then(
      () => secondsSince(t0),
      async (err: Error) => {
        ctx.log(
          `${err.message}: ${JSON.stringify(await snapshot())}\nworker's last lines:\n${worker.output().split("\n").slice(-30).join("\n")}`,
        );
        return null;
      },
    );

    const ok = during !== null && reasonNamesFetch && badVerdicts.size === 0 && recovered !== null;
    return {
      ok,
      happened: [
        during
          ? `2 runs on the good commit passed (fetched by id); 2 on the stranded commit waited: "${reason.slice(0, 110)}…"`
          : "runs did not reach passed/waiting as expected",
        `target fault shown: ${fault.fault ? "yes" : "no"}`,
        badVerdicts.size ? `BAD VERDICTS: ${[...badVerdicts].join("; ")}` : "no run ended error/failed",
        recovered === null
          ? "not all passed within 90 s of the fix"
          : `all 4 passed ${recovered} s after the push completed`,
      ].join("; "),
      recoverySeconds: recovered,
    };
  },
};
