import { db, type Host } from "@proofboard/db";

export interface HostRegistration {
  name: string;
  classes: string[];
  capabilities: object;
  slots: number;
}

export async function registerHost(h: HostRegistration): Promise<Host> {
  const now = new Date();
  const data = { classes: h.classes, capabilities: h.capabilities, slots: h.slots, slotsInUse: 0, startedAt: now, lastHeartbeatAt: now };
  return db().host.upsert({ where: { name: h.name }, create: { name: h.name, ...data }, update: data });
}

export async function heartbeat(hostId: string, slotsInUse: number): Promise<void> {
  await db().host.update({ where: { id: hostId }, data: { lastHeartbeatAt: new Date(), slotsInUse } });
}

export async function listHosts(): Promise<Host[]> {
  return db().host.findMany({ orderBy: { name: "asc" } });
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
