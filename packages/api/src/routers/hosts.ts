import { z } from "zod";
import {
  consoleStorageByRun,
  consoleStorageSummary,
  hostSignsOfLife,
  listHosts,
  repositoryByName,
  runningOnHosts,
  targetFetchStateDto,
} from "@proofboard/services";
import { env } from "@proofboard/env";
import { nameInput } from "../names";
import { readProcedure, router } from "../trpc";

export const hostsRouter = router({
  /** The target repository's fetch state: the last fetch that worked, and the fault that stops it now. */
  target: readProcedure
    .input(z.object({ repository: nameInput(200).optional() }).optional())
    .query(async ({ input }) => {
      const repo = await repositoryByName(input?.repository);
      return { name: repo.name, url: repo.url, ...(await targetFetchStateDto(repo.id)) };
    }),

  list: readProcedure.query(async () => {
    const timeout = env().PROOFBOARD_HOST_TIMEOUT_SECONDS * 1000;
    const hosts = await listHosts();
    const running = await runningOnHosts(hosts.map((h) => h.id));
    const sizes = await consoleStorageByRun(running.map((r) => r.id));
    const signs = await hostSignsOfLife(hosts.map((h) => h.id));
    const now = Date.now();
    return hosts.map((h) => {
      const heardInDatabase = now - h.lastHeartbeatAt.getTime() < timeout;
      const sign = signs?.get(h.id);
      const heardOnRedis = sign !== undefined && now - sign.at < timeout;
      return {
        name: h.name,
        classes: h.classes,
        capabilities: h.capabilities,
        slots: h.slots,
        slotsInUse: h.slotsInUse,
        lastHeartbeatAt: h.lastHeartbeatAt.toISOString(),
        online: heardInDatabase || heardOnRedis,
        /** alive on Redis but silent in PostgreSQL: cut off from the database, its lanes going on */
        databaseUnreachable: !heardInDatabase && heardOnRedis,
        /** what its runs hold in spool files until PostgreSQL takes it */
        spooledBytes: heardOnRedis ? sign.spooledBytes : 0,
        /** the worker process holding the name: null once it stopped on its own */
        worker: h.instanceId
          ? { instanceId: h.instanceId, pid: h.pid, machine: h.machine, ownership: h.ownership }
          : null,
        running: running
          .filter((r) => r.hostId === h.id)
          .map((r) => ({
            id: r.id,
            lane: r.lane,
            branch: r.branchName,
            startedAt: r.startedAt?.toISOString() ?? null,
            consoleBytes: sizes.get(r.id)?.bytes ?? 0,
          })),
      };
    });
  }),

  /** Console bytes on disk, by week of expiry (retention drops a week whole), and compaction's backlog. */
  storage: readProcedure.query(() => consoleStorageSummary(env().PROOFBOARD_CONSOLE_RETENTION_DAYS || null)),
});
