import { db, type Host } from "@proofboard/db";
import { createRedis, signsOfLife, type SignOfLife } from "@proofboard/jobs";
import { probeRedis } from "./observability/probes";
import { endOrphanedRun } from "./reconciler";

export interface HostRegistration {
  name: string;
  classes: string[];
  capabilities: object;
  slots: number;
  /** the registering worker process (instance id, machine, boot, pid, start time) */
  identity?: { instanceId: string; machine: string; bootId: string; pid: number; processStart: string };
  /** how the worker owns what its attempts start, shown on the hosts page */
  ownership?: string;
  /** whether the worker a row names still runs (true/false on this machine, null when it cannot tell) */
  stillRuns?: (other: {
    bootId: string | null;
    pid: number | null;
    processStart: string | null;
  }) => Promise<boolean | null>;
  /** a host silent this long is gone (PROOFBOARD_HOST_TIMEOUT_SECONDS) */
  hostTimeoutSeconds?: number;
  /** once the name is this worker's, before its predecessor's running runs are ended (its spool is stored) */
  beforeOrphans?: () => Promise<void>;
}

/** A second live worker under a host name that is taken: refused, with what to do. */
export class HostNameTaken extends Error {}

function describeHolder(h: Host): string {
  const age = Math.round((Date.now() - h.lastHeartbeatAt.getTime()) / 1000);
  return `pid ${h.pid ?? "?"} on ${h.machine ?? "an unknown machine"}, started ${h.startedAt.toISOString()}, last heartbeat ${age} s ago`;
}

/**
 * Registers the worker under its host name. A host name belongs to one live worker process: a
 * second one is refused (HostNameTaken) while the first still runs (checked by pid and start time
 * on the same machine, by heartbeat elsewhere). A worker that takes the name over from a dead one
 * starts with nothing running, so whatever Postgres still has running on that host died with its
 * predecessor: lost, and retried like any infrastructure fault.
 */
export async function registerHost(h: HostRegistration): Promise<Host> {
  const now = new Date();
  const existing = await db().host.findUnique({ where: { name: h.name } });
  if (existing && h.identity && existing.instanceId && existing.instanceId !== h.identity.instanceId) {
    const here = await (h.stillRuns?.(existing) ?? Promise.resolve(null));
    const fresh = existing.lastHeartbeatAt.getTime() > Date.now() - (h.hostTimeoutSeconds ?? 30) * 1000;
    if (here === true || (here === null && fresh)) {
      throw new HostNameTaken(
        `host name "${h.name}" is held by a running worker (${describeHolder(existing)}); give this worker its own PROOFBOARD_HOST_NAME, or stop the other one first`,
      );
    }
  }
  const data = {
    classes: h.classes,
    capabilities: h.capabilities,
    slots: h.slots,
    slotsInUse: 0,
    startedAt: now,
    lastHeartbeatAt: now,
    ...(h.identity ?? {}),
    ownership: h.ownership ?? null,
  };
  // Taking the name over is conditional on the row still naming the predecessor seen above, so two
  // workers starting at once cannot both win.
  let host: Host;
  if (existing) {
    const n = await db().host.updateMany({ where: { id: existing.id, instanceId: existing.instanceId }, data });
    if (n.count !== 1)
      throw new HostNameTaken(
        `host name "${h.name}" was just taken by another worker; give this worker its own PROOFBOARD_HOST_NAME`,
      );
    host = await db().host.findUniqueOrThrow({ where: { id: existing.id } });
  } else {
    host = await db()
      .host.create({ data: { name: h.name, ...data } })
      .catch((err: unknown) => {
        throw new HostNameTaken(
          `host name "${h.name}" was just taken by another worker (${String(err).slice(0, 200)}); give this worker its own PROOFBOARD_HOST_NAME`,
        );
      });
  }
  await h.beforeOrphans?.();
  const orphans = await db().run.findMany({ where: { hostId: host.id, status: "running" }, select: { id: true } });
  if (orphans.length) {
    const redis = createRedis();
    try {
      for (const run of orphans) await endOrphanedRun(run.id, `host ${h.name} restarted while the lane ran`, redis);
    } finally {
      redis.disconnect();
    }
  }
  return host;
}

/** A worker that stopped on its own gives its host name back: the next one need not wait for its heartbeat to age. */
export async function releaseHost(hostId: string, instanceId: string): Promise<void> {
  await db().host.updateMany({
    where: { id: hostId, instanceId },
    data: { instanceId: null, pid: null, slotsInUse: 0 },
  });
}

/**
 * Returns false when the host name is held by another worker process now (this one was taken for
 * dead and replaced): the caller must stop taking work.
 */
export async function heartbeat(hostId: string, slotsInUse: number, instanceId?: string): Promise<boolean> {
  const n = await db().host.updateMany({
    where: { id: hostId, ...(instanceId ? { instanceId } : {}) },
    data: { lastHeartbeatAt: new Date(), slotsInUse },
  });
  return n.count === 1;
}

export async function listHosts(): Promise<Host[]> {
  return db().host.findMany({ orderBy: { name: "asc" } });
}

/**
 * Each host's last sign of life on Redis (see markAlive), which a worker cut off from PostgreSQL
 * keeps giving; null when Redis cannot be asked at once (the page then judges by PostgreSQL).
 */
export async function hostSignsOfLife(hostIds: readonly string[]): Promise<Map<string, SignOfLife> | null> {
  const redis = await probeRedis();
  return redis ? signsOfLife(redis, hostIds) : null;
}

/** Hosts heard from within the timeout: what estimates of a verdict can count on. */
export async function liveHostCapacity(hostTimeoutSeconds: number): Promise<{ classes: string[]; slots: number }[]> {
  const cutoff = new Date(Date.now() - hostTimeoutSeconds * 1000);
  return db().host.findMany({ where: { lastHeartbeatAt: { gte: cutoff } }, select: { classes: true, slots: true } });
}

const CLASS_WORDS: Record<string, string> = { "nested-kvm": "nested KVM", kvm: "KVM", tcg: "QEMU (TCG)" };

/**
 * Why a queued run of this class is not running yet: no online host can serve it (it waits, it
 * does not fail), or every host that can is busy.
 */
export async function waitingReason(hostClass: string, hostTimeoutSeconds: number): Promise<string> {
  const cutoff = new Date(Date.now() - hostTimeoutSeconds * 1000);
  const hosts = await db().host.findMany({ where: { classes: { has: hostClass }, lastHeartbeatAt: { gte: cutoff } } });
  const what = CLASS_WORDS[hostClass] ?? hostClass;
  if (!hosts.length) return `waiting for a host with ${what}: none is online`;
  const free = hosts.filter((h) => h.slotsInUse < h.slots);
  return free.length
    ? `queued for ${free.map((h) => h.name).join(", ")}`
    : `waiting for a free slot on ${hosts.map((h) => h.name).join(", ")}`;
}
