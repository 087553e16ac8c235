import { catalogYaml, makeRepo } from "../../tests/support/target-repo";
import { startStack, waitUntil, type Stack } from "./stack";

/**
 * A stack with something on every page: three commits of history on main (passed, failed and
 * multi-console runs on each), a second branch with a long name, an admin, and a run whose
 * consoles have output. Used where every page must be looked at (accessibility, layout).
 */
export interface SampleStack {
  stack: Stack;
  /** a finished run with a harness and two VM consoles */
  consoleRunId: string;
  admin: { name: string; password: string };
  longBranch: string;
}

const clusterScript = `#!/bin/bash
d=vm-test-run-cluster
say() { echo "$d> $*" >&2; }
say "start all VMs"
for i in $(seq 1 40); do
  say "node01 # [    $i.000000] node01 boot line $i with some width to it: systemd[1]: Started unit-$i.service"
  say "node02 # [    $i.000000] node02 boot line $i"
done
say "node01 # RESULT: PASS node01"
say "node02 # RESULT: PASS node02"
`;

const LANES = [
  { name: "guard", command: ["bash", "-c", "echo guard ok"] },
  { name: "smoke", command: ["bash", "-c", "for i in 1 2 3; do echo smoke line $i; done"] },
  { name: "broken", command: ["bash", "-c", "echo 'assertion failed: expected 3 replicas, found 2' >&2; exit 1"] },
  {
    name: "cluster",
    // long, as UltraCloud's titles are: on a phone it must stay clear of the Rerun button
    title: "Two-node cluster booted from the installer ISO, checked over both serial consoles",
    command: ["bash", "lanes/cluster.sh"],
    consoles: ["node01", "node02"],
  },
];

/** Queues the lanes on the branch's head; the caller waits for them all at once (the worker runs them side by side). */
async function queue(stack: Stack, branch: string, lanes: readonly string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const lane of lanes) ids[lane] = (await stack.mutate<{ id: string }>("runs.rerun", { branch, lane })).id;
  return ids;
}

async function finish(stack: Stack, ids: readonly string[]): Promise<void> {
  await waitUntil(
    "the sample runs to finish",
    async () => {
      const runs = await Promise.all(ids.map((id) => stack.query<{ status: string }>("runs.get", { id })));
      return runs.every((r) => !["queued", "running"].includes(r.status));
    },
    240_000,
    250,
  );
}

export async function startSampleStack(port: number, name: `e2e_${string}`): Promise<SampleStack> {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml(LANES, ["guard", "smoke", "broken", "cluster"]),
    "lanes/cluster.sh": clusterScript,
  });
  const longBranch = "feature/cloud-hypervisor-live-migration-with-dirty-page-tracking";
  target.git("branch", longBranch);
  const stack = await startStack({ port, targetUrl: target.dir, targetName: `${name}-target`, name });
  try {
    const head = () => stack.query<{ headSha: string }>("branches.get", { name: "main" }).then((b) => b.headSha);
    const queued = [await queue(stack, "main", ["guard", "broken"]), await queue(stack, longBranch, ["guard"])];
    target.commit({ CHANGELOG: "second\n" }, "Pin the guest kernel to 6.12 so node boots are comparable");
    // The worker syncs every two seconds (an extra sync now could race it for the ref lock).
    await waitUntil("main to move", async () => (await head()) === target.git("rev-parse", "HEAD"));
    queued.push(await queue(stack, "main", ["guard", "smoke", "broken"]));
    target.commit({ CHANGELOG: "third\n" }, "Retry flaky DHCP lease in the cluster test");
    await waitUntil("main to move again", async () => (await head()) === target.git("rev-parse", "HEAD"));
    const last = await queue(stack, "main", ["guard", "smoke", "broken", "cluster"]);
    queued.push(last);
    await finish(
      stack,
      queued.flatMap((q) => Object.values(q)),
    );
    const admin = { name: "ada", password: "admin-password" };
    stack.addUser(admin.name, admin.password, "admin");
    return { stack, consoleRunId: last.cluster!, admin, longBranch };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
