import { execFile } from "node:child_process";
import { repoRoot } from "@proofboard/env";
import { catalogParses, syncRepository } from "@proofboard/services";
// @trpc/server resolves from the CLI package: the real API over HTTP, as the CLI integration test serves it
import { serveApi } from "../../apps/cli/testing/api-server";
import type { FaultScenario } from "./scenario";
import { catalogYaml, registerTarget } from "./support";
import { createApiToken } from "@proofboard/auth";
import { operatorCaller, testUser } from "../support/callers";
import { cliArgv } from "../support/cli";

/** ~5 MB of YAML broken in several ways (the size alone is refused before any parse). */
const huge = `version: 1\nlanes:\n${'  - { name: x, command: ["$(rm -rf /)"] \n'.repeat(125_000)}`;
const SIZE_ERROR = /^proofboard\.yaml@[0-9a-f]{10}:1: the catalog is 5,\d{3},\d{3} bytes; the limit is 1 MiB/;

/** The real CLI, a separate process, argv straight to node; the database and Redis pointed nowhere: it only speaks HTTP. */
function cli(
  apiUrl: string,
  repository: string,
  token: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      cliArgv(args),
      {
        cwd: repoRoot,
        timeout: 60_000,
        env: {
          ...process.env,
          PROOFBOARD_API_URL: apiUrl,
          PROOFBOARD_REPOSITORY: repository,
          PROOFBOARD_TOKEN: token,
          DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
          REDIS_URL: "redis://127.0.0.1:1",
        },
      },
      (error, out, err) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out, err }),
    );
  });
}

const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await fn();
  return [v, Math.round((performance.now() - t0) * 10) / 10];
};

export const bigCatalog: FaultScenario = {
  id: "big-catalog",
  fault: "invalid 5 MB proofboard.yaml on one branch",
  mustHold:
    "that branch's readiness names the catalog error (parsed once per commit: 2nd call < 200 ms, no new parse); other branches unaffected; CLI `missing` on it exits 2 with the error",
  budgetSeconds: 120,
  async run(ctx) {
    const good = catalogYaml([{ name: "hello", command: ["true"] }]);
    const { target, repo } = await registerTarget(ctx, { "proofboard.yaml": good });
    target.git("checkout", "-q", "-b", "other");
    target.commit(
      {
        "proofboard.yaml": catalogYaml([
          { name: "hello", command: ["true"] },
          { name: "extra", command: ["true"] },
        ]),
      },
      "another good catalog",
    );
    target.git("checkout", "-q", "-b", "huge", "main");
    target.commit({ "proofboard.yaml": huge }, "a 5 MB invalid catalog");
    target.git("checkout", "-q", "main");

    const caller = await operatorCaller("fault-suite");
    const parsesBefore = catalogParses.count;
    const [, syncMs] = await timed(() => syncRepository(repo));
    const parsesBySync = catalogParses.count - parsesBefore;
    const [first, firstMs] = await timed(() => caller.branches.get({ repository: ctx.targetName, name: "huge" }));
    const parsesAfterFirst = catalogParses.count;
    const [second, secondMs] = await timed(() => caller.branches.get({ repository: ctx.targetName, name: "huge" }));
    const reparsed = catalogParses.count - parsesAfterFirst;
    ctx.log(
      `sync (fetch + judging the heads) ${syncMs} ms with ${parsesBySync} parse(s); branch page ${firstMs} ms, then ${secondMs} ms (${reparsed} new parse(s))`,
    );
    const reported = SIZE_ERROR.test(first.catalogError ?? "") && first.catalogError === second.catalogError;

    const others = await Promise.all(
      ["main", "other"].map((name) => caller.branches.get({ repository: ctx.targetName, name })),
    );
    const overview = await caller.branches.list({ repository: ctx.targetName });
    const unaffected =
      others.every((b) => b.catalogError === null && b.lanes.length > 0) &&
      overview.total === 3 &&
      overview.branches
        .filter((b) => b.catalogError)
        .map((b) => b.name)
        .join() === "huge";

    const api = await serveApi();
    const token = (
      await createApiToken({
        userId: (await testUser("operator", "fault-suite")).id,
        name: "fault suite",
        scope: "operate",
        days: 1,
        createdById: null,
      })
    ).token;
    let missing: Awaited<ReturnType<typeof cli>>;
    let missingOther: Awaited<ReturnType<typeof cli>>;
    try {
      missing = await cli(api.url, ctx.targetName, token, ["missing", "huge"]);
      missingOther = await cli(api.url, ctx.targetName, token, ["missing", "other"]);
    } finally {
      await api.close();
    }
    const errLines = missing.err.split("\n").filter(Boolean);
    const cliOk =
      missing.code === 2 &&
      missing.out === "" &&
      errLines.length === 1 &&
      /^proofboard: proofboard\.yaml@[0-9a-f]{10}:1: the catalog is 5,/.test(errLines[0]!) &&
      missingOther.code === 0;
    ctx.log(
      `proofboard missing huge → exit ${missing.code}: ${errLines[0] ?? "(nothing on stderr)"}; missing other → exit ${missingOther.code}`,
    );

    const fast = secondMs < 200 && reparsed === 0;
    return {
      ok: reported && fast && unaffected && cliOk,
      happened: [
        reported
          ? `readiness says "${first.catalogError!.slice(0, 80)}"`
          : `readiness said ${JSON.stringify(first.catalogError)}`,
        `sync with the first judging ${syncMs} ms (${parsesBySync} parses, the 5 MB text refused by size); branch page ${firstMs} ms then ${secondMs} ms, ${reparsed} re-parse`,
        unaffected
          ? "main and other: catalogs fine, overview lists 3 with only huge in error"
          : "OTHER BRANCHES AFFECTED",
        `CLI missing huge (real process over HTTP) exit ${missing.code}, one stderr line; missing other exit ${missingOther.code}`,
      ].join("; "),
      recoverySeconds: null,
    };
  },
};
