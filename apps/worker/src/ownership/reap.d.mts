export interface OwnedAttempt {
  /** the attempt's id: `<runId>.<fence>` */
  id: string;
  token: string;
  /** absolute path of the attempt's cgroup, or null where the host gives the worker none */
  cgroup: string | null;
}
export const OWNER_VARIABLE: "PROOFBOARD_OWNER";
/** the pids the cgroup held */
export function reapCgroup(cgroup: string): Promise<number[]>;
export function pidsOwnedBy(token: string): Promise<number[]>;
export function reapAttempt(owned: OwnedAttempt): Promise<number>;
