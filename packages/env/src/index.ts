import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The one place where Proofboard reads and validates its environment. */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const RATE = /^(\d+)\s*\/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour)s?$/i;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** A limit such as "60/min", "5/15min" or "1000/h" (a count per fixed window), or "off" (null). */
export interface Rate {
  limit: number;
  seconds: number;
}

const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx): Rate | null => {
      const v = value.trim();
      if (v === "off") return null;
      const m = RATE.exec(v);
      const limit = Number(m?.[1]);
      const seconds = Number(m?.[2] || 1) * (UNIT_SECONDS[m?.[3]?.[0]?.toLowerCase() ?? ""] ?? 0);
      if (!m || limit < 1 || seconds < 1) {
        ctx.addIssue({
          code: "custom",
          message: `expected a count per window such as "60/min", "5/15min", "1000/h", or "off"; not ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      return { limit, seconds };
    });

const unsetIfEmpty = (v: unknown) => (v === "" ? undefined : v);

export const FORGES = ["github", "gitea", "gitlab"] as const;
export type Forge = (typeof FORGES)[number];

type ForgeVars = {
  PROOFBOARD_FORGE?: Forge;
  PROOFBOARD_FORGE_API_URL?: string;
  PROOFBOARD_FORGE_TOKEN?: string;
  PROOFBOARD_FORGE_REPO?: string;
};

/** What the forge settings lack or get wrong together (each variable alone is checked by its schema). */
function forgeIssues(e: ForgeVars): { name: keyof ForgeVars; message: string }[] {
  const forge = e.PROOFBOARD_FORGE;
  if (!forge) {
    const stray = (["PROOFBOARD_FORGE_API_URL", "PROOFBOARD_FORGE_TOKEN", "PROOFBOARD_FORGE_REPO"] as const).filter(
      (k) => e[k] !== undefined,
    );
    return stray.map((name) => ({
      name,
      message: "is set but PROOFBOARD_FORGE is not: set it to github, gitea or gitlab (or unset this)",
    }));
  }
  const out: { name: keyof ForgeVars; message: string }[] = [];
  if (!e.PROOFBOARD_FORGE_TOKEN)
    out.push({
      name: "PROOFBOARD_FORGE_TOKEN",
      message: `required with PROOFBOARD_FORGE=${forge}: a token that may write commit statuses`,
    });
  if (forge === "gitea" && !e.PROOFBOARD_FORGE_API_URL) {
    out.push({
      name: "PROOFBOARD_FORGE_API_URL",
      message: "required with PROOFBOARD_FORGE=gitea: the API root, e.g. https://gitea.example/api/v1",
    });
  }
  const repo = e.PROOFBOARD_FORGE_REPO;
  const shape =
    forge === "gitlab" ? /^(\d+|[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+)$/ : /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
  const wanted = forge === "gitlab" ? "the project's id (1234) or path (group/project)" : "owner/name";
  if (!repo) out.push({ name: "PROOFBOARD_FORGE_REPO", message: `required with PROOFBOARD_FORGE=${forge}: ${wanted}` });
  else if (!shape.test(repo) || repo.split("/").some((part) => part === "." || part === "..")) {
    out.push({
      name: "PROOFBOARD_FORGE_REPO",
      message: `must be ${wanted}, not ${JSON.stringify(repo.slice(0, 100))}`,
    });
  }
  return out;
}

const schema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
      .default("postgresql://postgres@127.0.0.1:5432/proofboard"),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// URL")
      .default("redis://127.0.0.1:6379"),
    /** Redis behind Sentinel: "host:port,host:port"; REDIS_URL then gives only the user, password and database. */
    PROOFBOARD_REDIS_SENTINELS: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z
        .string()
        .regex(/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/, "must be host:port[,host:port…]")
        .optional(),
    ),
    /** the master's name as the sentinels know it */
    PROOFBOARD_REDIS_SENTINEL_NAME: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .default("mymaster"),
    /** Keeps test and development data apart on one Redis. */
    PROOFBOARD_REDIS_PREFIX: z
      .string()
      .regex(/^[a-z0-9_-]+$/i)
      .default("pb"),
    PROOFBOARD_DATA_DIR: z.string().default(path.join(repoRoot, ".proofboard")),
    /** The demo guest (kernel + initramfs, ~60 MB): one cache per machine, whatever the data folder. */
    PROOFBOARD_GUEST_CACHE: z.string().default(path.join(repoRoot, ".proofboard", "guest")),
    /** kvm or tcg to force how guests are accelerated; measured when unset */
    PROOFBOARD_VM_ACCEL: z.enum(["kvm", "tcg"]).optional(),
    /** The repository whose lanes Proofboard proves: a local path or a git URL. */
    PROOFBOARD_TARGET_URL: z.string().optional(),
    PROOFBOARD_TARGET_NAME: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/i)
      .default("ultracloud"),
    PROOFBOARD_DEFAULT_CATALOG: z.string().default(path.join(repoRoot, "catalogs/ultracloud.yaml")),
    /**
     * A site catalog overlay (YAML) merged onto every catalog; unset or empty: none. Relative to the
     * repository root, so the web app (run from apps/web) and the workers read the same file.
     */
    PROOFBOARD_CATALOG_OVERLAY: z
      .string()
      .optional()
      .transform((v) => (v ? path.resolve(repoRoot, v) : undefined)),
    PROOFBOARD_API_URL: z.string().url().default("http://localhost:3000"),
    PROOFBOARD_SYNC_INTERVAL_SECONDS: positiveInt(30),
    PROOFBOARD_WORKER_SLOTS: positiveInt(2),
    PROOFBOARD_HOST_NAME: z.string().min(1).default(os.hostname()),
    PROOFBOARD_HEARTBEAT_SECONDS: positiveInt(2),
    /** A host silent this long (Postgres heartbeat and Redis key) is offline; its running runs are lost and retried. */
    PROOFBOARD_HOST_TIMEOUT_SECONDS: positiveInt(8),
    /** Per-attempt cgroups: unset detects a writable cgroup v2 folder, "off" uses owner tokens only, a path names the folder. */
    PROOFBOARD_CGROUP: z.string().optional(),
    /** On SIGTERM, running lanes get this long to finish before they are handed back to the queue. */
    PROOFBOARD_DRAIN_SECONDS: z.coerce.number().int().min(0).default(20),
    /** Automatic retries in a row of a lane on a commit after infrastructure faults (at once, 30 s, 120 s, …); 0: none. */
    PROOFBOARD_INFRA_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
    /** "off" leaves reconciling to the workers: for a web process on data nothing may touch (benchmarks). */
    PROOFBOARD_WEB_RECONCILER: z.enum(["on", "off"]).default("on"),
    /** Bytes of console a run's live Redis stream keeps; older bytes are read from Postgres. */
    PROOFBOARD_LIVE_STREAM_BYTES: positiveInt(8 << 20),
    /** Console bytes one worker keeps on disk while PostgreSQL is unreachable; past it the run fails, never drops bytes. */
    PROOFBOARD_SPOOL_BYTES: positiveInt(256 << 20),
    /** Days a run's console bytes are kept unless its lane says (consoleRetentionDays); 0 keeps them for ever. */
    PROOFBOARD_CONSOLE_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
    /**
     * The worker's /health and /metrics: unset or empty = off; 0 = a free port the OS picks (logged),
     * so two workers on one machine never collide; N = that port.
     */
    PROOFBOARD_WORKER_HEALTH_PORT: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z.coerce.number().int().min(0).max(65535).optional(),
    ),
    /** Where the worker's health server listens: loopback unless a scraper on another machine needs it. */
    PROOFBOARD_WORKER_HEALTH_HOST: z.string().min(1).default("127.0.0.1"),
    /** json (one object per line) or text; unset: text on a terminal, json otherwise. */
    PROOFBOARD_LOG_FORMAT: z.enum(["json", "text"]).optional(),
    /** Shared with GitHub/Gitea (HMAC key) and GitLab (token); unset keeps /api/webhooks/* closed. */
    PROOFBOARD_WEBHOOK_SECRET: z.string().min(16).optional(),
    /** The address people use (https://proofboard.example): the one Origin a mutation may come from; unset: the request's own host. */
    PROOFBOARD_PUBLIC_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
    /**
     * 1: outgoing webhooks may go to this machine (loopback) and link-local addresses, for a receiver
     * run beside Proofboard; unset: refused, so an admin's hook cannot reach local services or a
     * cloud's metadata endpoint.
     */
    PROOFBOARD_NEWS_ALLOW_LOCAL: z.preprocess(unsetIfEmpty, z.enum(["0", "1"]).default("0")),
    /** public: anyone may read (the default, for a board on a trusted network); login: reading needs a viewer login or token. */
    PROOFBOARD_READ_ACCESS: z.enum(["public", "login"]).default("public"),
    /** Mutations per logged-in user (or per actor: "web", "cli" when anonymous), and per client address. */
    PROOFBOARD_MUTATION_RATE: rate("60/min"),
    PROOFBOARD_MUTATION_RATE_PER_ADDRESS: rate("120/min"),
    /** Failed logins per user name, and per client address, before logins are refused until the window ends. */
    PROOFBOARD_LOGIN_FAILURES: rate("5/15min"),
    PROOFBOARD_LOGIN_FAILURES_PER_ADDRESS: rate("20/15min"),
    /**
     * The worker host's lane secrets (NAME=value lines, [lane] sections; mode 0600): exported into
     * lanes' environments, masked in their consoles, never in job data. Unset or empty: none; a
     * relative path is taken from the repository root, as the overlay's is.
     */
    PROOFBOARD_LANE_SECRETS: z
      .string()
      .optional()
      .transform((v) => (v ? path.resolve(repoRoot, v) : undefined)),
    /** Runs queued or waiting on one branch; a request past it is refused. */
    PROOFBOARD_MAX_QUEUED_PER_BRANCH: positiveInt(200),
    /** Commit statuses on the forge (README: News): github, gitea or gitlab; unset: none are sent. */
    PROOFBOARD_FORGE: z.preprocess(unsetIfEmpty, z.enum(FORGES).optional()),
    /** The forge's API root: https://api.github.com (default), https://gitea.example/api/v1, https://gitlab.com/api/v4 (default). */
    PROOFBOARD_FORGE_API_URL: z.preprocess(
      unsetIfEmpty,
      z.url({ protocol: /^https?$/, error: "must be an http(s):// URL, the forge's API root" }).optional(),
    ),
    /** A token that may write commit statuses: sent as a header, so printable ASCII without spaces. */
    PROOFBOARD_FORGE_TOKEN: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces or newlines")
        .optional(),
    ),
    /** owner/name (GitHub, Gitea), or GitLab's project id or group/project path. */
    PROOFBOARD_FORGE_REPO: z.preprocess(unsetIfEmpty, z.string().optional()),
  })
  .superRefine((e, ctx) => {
    for (const issue of forgeIssues(e)) ctx.addIssue({ code: "custom", path: [issue.name], message: issue.message });
  });

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export class EnvError extends Error {}

/** Parsed environment; throws one readable error listing every bad variable. */
export function env(): Env {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
}

/**
 * The operating system's own variables (PATH, HOME, LANG…) among `names`, for a child process that
 * should see them as the worker does. Not Proofboard's settings, so passed along unvalidated; only
 * the names asked for, so the worker's secrets (DATABASE_URL, REDIS_URL) never come along.
 */
export function inherited(names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Tests change process.env between suites; they call this to re-read it. */
export function resetEnvCache(): void {
  cached = undefined;
}

export { repoRoot };
