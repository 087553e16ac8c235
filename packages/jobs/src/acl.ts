/**
 * Redis ACL users per kind of process: each may touch only the keys and channel its kind uses,
 * under the deployment's prefix, and none may run Redis's dangerous commands (FLUSHALL, CONFIG,
 * KEYS, DEBUG, ACL, …) except the few the clients need.
 */

export const PROCESS_KINDS = ["web", "worker"] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number];

/** Key patterns under the prefix, per kind: the rate-limit counters are the web's alone. */
const KEYS: Record<ProcessKind, readonly string[]> = {
  web: ["bull:*", "live:*", "alive:*", "epoch", "limit:*"],
  worker: ["bull:*", "live:*", "alive:*", "epoch"],
};

/**
 * Commands from @dangerous that the clients use: ioredis' ready check and BullMQ's version check
 * read INFO, BullMQ names its connections, and the live hub unblocks its own blocked reader.
 */
const ALLOWED_DANGEROUS = ["+info", "+client|setname", "+client|getname", "+client|id", "+client|unblock"];

export function aclUserName(kind: ProcessKind, prefix: string): string {
  return `proofboard-${prefix}-${kind}`;
}

/** The ACL SETUSER arguments (after the user name), password excluded. */
export function aclRules(kind: ProcessKind, prefix: string): string[] {
  if (!/^[a-z0-9_-]+$/i.test(prefix)) throw new Error(`invalid Redis prefix ${JSON.stringify(prefix)}`);
  return [
    "reset",
    "on",
    "resetchannels",
    `&${prefix}:run-control`,
    ...KEYS[kind].map((k) => `~${prefix}:${k}`),
    "+@all",
    "-@dangerous",
    ...ALLOWED_DANGEROUS,
  ];
}

/** REDIS_URL for the user: the admin URL's host, port and database with this user's credentials. */
export function aclRedisUrl(adminUrl: string, user: string, password: string): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}
