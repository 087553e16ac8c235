/**
 * What a host's slots hold. Its heartbeat counts the slots its worker has taken; the runs it lists
 * as running are the truth once they start, but lag a run that just started, and a worker also holds
 * a slot while it prepares a run (fetching its commit, making its work folder, waiting for the
 * target): those slots are "preparing", never "idle".
 */
export function hostActivity(slotsInUse: number, running: number): { inUse: number; preparing: number } {
  const inUse = Math.max(slotsInUse, running);
  return { inUse, preparing: inUse - running };
}
