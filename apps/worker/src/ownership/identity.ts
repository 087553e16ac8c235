import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import os from "node:os";

/** Who a worker process is: unique per process, and checkable by another process on the machine. */
export interface WorkerIdentity {
  instanceId: string;
  machine: string;
  bootId: string;
  pid: number;
  /** the process's start time in clock ticks since boot: with the boot id, a pid that cannot be reused */
  processStart: string;
}

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces and parentheses). */
export async function processStart(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (!stat) return null;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
}

export async function bootId(): Promise<string> {
  return (await readFile("/proc/sys/kernel/random/boot_id", "utf8").catch(() => "unknown")).trim();
}

export async function ownIdentity(): Promise<WorkerIdentity> {
  return {
    instanceId: randomUUID(),
    machine: os.hostname(),
    bootId: await bootId(),
    pid: process.pid,
    processStart: (await processStart(process.pid)) ?? "unknown",
  };
}

/**
 * Whether the worker a host row names still runs: on this machine (same boot) by its pid and start
 * time; on another machine nothing local can tell, so the caller judges by its heartbeat.
 */
export async function stillRunsHere(other: {
  bootId: string | null;
  pid: number | null;
  processStart: string | null;
}): Promise<boolean | null> {
  if (!other.bootId || other.bootId !== (await bootId()) || other.pid === null) return null;
  return (await processStart(other.pid)) === other.processStart;
}
