import { db } from "@proofboard/db";
import { listHosts } from "@proofboard/services";
import { env } from "@proofboard/env";
import { publicProcedure, router } from "../trpc";

export const hostsRouter = router({
  list: publicProcedure.query(async () => {
    const timeout = env().PROOFBOARD_HOST_TIMEOUT_SECONDS * 1000;
    const hosts = await listHosts();
    const running = await db().run.findMany({
      where: { status: "running", hostId: { in: hosts.map((h) => h.id) } },
      select: { id: true, lane: true, branchName: true, hostId: true, startedAt: true },
      orderBy: { startedAt: "asc" },
    });
    return hosts.map((h) => ({
      name: h.name,
      classes: h.classes,
      capabilities: h.capabilities,
      slots: h.slots,
      slotsInUse: h.slotsInUse,
      lastHeartbeatAt: h.lastHeartbeatAt.toISOString(),
      online: Date.now() - h.lastHeartbeatAt.getTime() < timeout,
      running: running
        .filter((r) => r.hostId === h.id)
        .map((r) => ({ id: r.id, lane: r.lane, branch: r.branchName, startedAt: r.startedAt?.toISOString() ?? null })),
    }));
  }),
});
