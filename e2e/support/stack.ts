import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, openSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { clearRedisPrefix, recreateDatabase } from "../../tests/support/database";

const root = path.resolve(import.meta.dirname, "../..");

export interface Stack {
  url: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** tRPC query over plain HTTP, as any client would call it */
  query<T>(proc: string, input?: unknown): Promise<T>;
  /** runs scripts/user.ts against this stack's database */
  addUser(name: string, password: string, role: "viewer" | "operator" | "admin"): void;
  /** a mutation as the stack's operator (an API token), as automation would send it */
  mutate<T>(proc: string, input: unknown): Promise<T>;
  /** logs NAME in over HTTP and returns the pb_session cookie's value, for a browser context */
  session(name: string, password: string): Promise<string>;
  /** the web and worker processes' ids; each leads its own process group (for benchmarks' memory figures) */
  pids: { web: number; worker: number };
  stop(): Promise<void>;
}

/** Who the stack's mutations act as: changing things needs an operator. */
export const STACK_OPERATOR = { name: "e2e-operator", password: "e2e operator password" } as const;

export interface StackOptions {
  port: number;
  targetUrl: string;
  targetName: string;
  /** database and Redis prefix suffix, so e2e and benchmarks never touch each other's data */
  name: "e2e" | "bench" | "bench_failure" | "bench_pages" | "bench_console" | "bench_fanout" | `e2e_${string}`;
  /** node options for the worker only, e.g. a benchmark's `--cpu-prof --cpu-prof-dir=DIR` */
  workerNodeArgs?: string[];
  /** node options for the web process only */
  webNodeArgs?: string[];
}

/** The real stack as users run it: the production Next build and a worker process, on a fresh database. */
export async function startStack(o: StackOptions): Promise<Stack> {
  const nextBin = path.join(root, "apps/web/node_modules/next/dist/bin/next");
  if (!existsSync(path.join(root, "apps/web/.next/BUILD_ID"))) {
    throw new Error("no web build: run `pnpm --filter @proofboard/web build` first (scripts/test.sh does)");
  }
  const databaseUrl = `postgresql://postgres@127.0.0.1:5432/proofboard_${o.name}`;
  const prefix = `pb${o.name}`;
  await recreateDatabase(databaseUrl);
  await clearRedisPrefix(prefix);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `pb-${o.name}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PROOFBOARD_REDIS_PREFIX: prefix,
    PROOFBOARD_DATA_DIR: dataDir,
    PROOFBOARD_TARGET_URL: o.targetUrl,
    PROOFBOARD_TARGET_NAME: o.targetName,
    PROOFBOARD_HEARTBEAT_SECONDS: "1",
    PROOFBOARD_SYNC_INTERVAL_SECONDS: "2",
    // CI machines of this kind have no usable /dev/kvm: prove the TCG path everywhere.
    PROOFBOARD_VM_ACCEL: "tcg",
    PORT: String(o.port),
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const log = (name: string) => openSync(path.join(dataDir, `${name}.log`), "a");
  const children: ChildProcess[] = [
    spawn(process.execPath, [...(o.webNodeArgs ?? []), nextBin, "start", "-p", String(o.port)], {
      cwd: path.join(root, "apps/web"),
      env,
      detached: true,
      stdio: ["ignore", log("web"), log("web")],
    }),
    spawn(process.execPath, [...(o.workerNodeArgs ?? []), "--import", "tsx", "apps/worker/src/main.ts"], {
      cwd: root,
      env,
      detached: true,
      stdio: ["ignore", log("worker"), log("worker")],
    }),
  ];
  const url = `http://127.0.0.1:${o.port}`;
  const stop = async () => {
    for (const c of children) {
      if (c.pid && c.exitCode === null) {
        try {
          process.kill(-c.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
    }
    await Promise.all(children.flatMap((c) => (c.exitCode === null ? [new Promise((r) => c.once("exit", r))] : [])));
  };
  let token = "";
  const call = async <T>(proc: string, init: RequestInit, query = ""): Promise<T> => {
    const headers = {
      ...(init.headers as Record<string, string> | undefined),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
    const res = await fetchRetrying(`${url}/api/trpc/${proc}${query}`, { ...init, headers });
    const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
    if (!res.ok || !body.result) throw new Error(`${proc}: ${body.error?.message ?? res.status}`);
    return body.result.data;
  };
  const stack: Stack = {
    url,
    dataDir,
    env,
    pids: { web: children[0]!.pid ?? -1, worker: children[1]!.pid ?? -1 },
    stop,
    addUser: (name, password, role) => {
      execFileSync(process.execPath, ["--import", "tsx", "scripts/user.ts", "add", name, "--role", role], {
        cwd: root,
        env: { ...env, PROOFBOARD_PASSWORD: password },
        stdio: "pipe",
      });
    },
    query: (proc, input) =>
      call(proc, {}, input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`),
    mutate: (proc, input) =>
      call(proc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) }),
    session: async (name, password) => {
      const res = await fetchRetrying(`${url}/api/trpc/auth.login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name, password }),
      });
      const value = res.headers.get("set-cookie")?.match(/pb_session=([^;]+)/)?.[1];
      if (!res.ok || !value) throw new Error(`logging in ${name}: HTTP ${res.status} ${await res.text()}`);
      return value;
    },
  };
  try {
    await waitUntil("the web app to answer", async () => (await fetch(url).catch(() => null))?.ok ?? false, 60_000);
    // The worker syncs the target on start; the first page must already show its branches.
    await waitUntil(
      "the target to be synced",
      async () => {
        const list = await stack.query<{ branches: unknown[] }>("branches.list").catch(() => null);
        return (list?.branches.length ?? 0) > 0;
      },
      60_000,
    );
    stack.addUser(STACK_OPERATOR.name, STACK_OPERATOR.password, "operator");
    token = (await stack.mutate<{ token: string }>("auth.issueToken", { ...STACK_OPERATOR, tokenName: "e2e stack" }))
      .token;
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; logs in ${dataDir}`);
  }
  return stack;
}

export async function waitUntil(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<void> {
  const start = Date.now();
  while (!(await fn())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A page in a fresh browser context logged in as the stack's operator: the one that may press Rerun. */
export async function operatorPage(
  browser: Browser,
  stack: Stack,
  viewport: { width: number; height: number },
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  await context.addCookies([
    { name: "pb_session", value: await stack.session(STACK_OPERATOR.name, STACK_OPERATOR.password), url: stack.url },
  ]);
  return context.newPage();
}

/**
 * fetch, tried again when the connection fails before an answer: a kept-alive socket the server
 * closed while idle (a busy machine makes that likely) fails the next request with "fetch failed".
 */
async function fetchRetrying(input: string, init: RequestInit, tries = 3): Promise<Response> {
  for (let i = 1; ; i++) {
    try {
      return await fetch(input, init);
    } catch (err) {
      if (i >= tries || !(err instanceof TypeError)) throw err;
      await new Promise((r) => setTimeout(r, 300 * i));
    }
  }
}
