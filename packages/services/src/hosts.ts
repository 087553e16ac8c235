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
