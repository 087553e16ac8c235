import { db, type Host } from "@proofboard/db";
import { retryAfterInfrastructureFault } from "./runs";

export interface HostRegistration {
  name: string;
  classes: string[];
  capabilities: object;
  slots: number;
}

/**
 * A worker starting under a host's name starts with nothing running, so whatever Postgres still
 * has running on that host died with the previous worker: lost, and retried like any
 * infrastructure fault.
 */
export async function registerHost(h: HostRegistration): Promise<Host> {
  const now = new Date();
  const data = { classes: h.classes, capabilities: h.capabilities, slots: h.slots, slotsInUse: 0, startedAt: now, lastHeartbeatAt: now };
  const host = await db().host.upsert({ where: { name: h.name }, create: { name: h.name, ...data }, update: data });
  const orphans = await db().run.findMany({ where: { hostId: host.id, status: "running" } });
  for (const run of orphans) {
    const n = await db().run.updateMany({
      where: { id: run.id, status: "running" },
      data: { status: "lost", failureKind: "infrastructure", finishedAt: now, reason: `host ${h.name} restarted while the lane ran` },
    });
    if (n.count) await retryAfterInfrastructureFault({ ...run, status: "lost", failureKind: "infrastructure" });
  }
  return host;
}

export async function heartbeat(hostId: string, slotsInUse: number): Promise<void> {
  await db().host.update({ where: { id: hostId }, data: { lastHeartbeatAt: new Date(), slotsInUse } });
}

export async function listHosts(): Promise<Host[]> {
  return db().host.findMany({ orderBy: { name: "asc" } });
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
  return free.length ? `queued for ${free.map((h) => h.name).join(", ")}` : `waiting for a free slot on ${hosts.map((h) => h.name).join(", ")}`;
}
