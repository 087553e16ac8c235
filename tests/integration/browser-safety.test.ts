import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiToken, createSession, createUser, userForToken } from "@proofboard/auth";
import { db, disconnectDb } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues, createRedis, keyPrefix } from "@proofboard/jobs";
import { ensureRepository, syncRepository } from "@proofboard/services";
import { POST } from "../../apps/web/src/app/api/trpc/[trpc]/route";
import { closeCounters } from "../../packages/api/src/middleware/counter";
import { catalogYaml, makeRepo, resetDb } from "./helpers";

/**
 * Browser safety and limits through the web app's real tRPC route handler, on the real test
 * database and Redis: cross-site refusal, failed-login limits, mutation rate limits (per user and
 * per address) and the cap on a branch's queue.
 */

const ORIGIN = "http://pb.test";
const PASSWORD = "correct horse battery";
const LIMITS = {
  PROOFBOARD_MUTATION_RATE: "6/min",
  PROOFBOARD_MUTATION_RATE_PER_ADDRESS: "4/min",
  PROOFBOARD_LOGIN_FAILURES: "3/15min",
  PROOFBOARD_LOGIN_FAILURES_PER_ADDRESS: "6/15min",
  PROOFBOARD_MAX_QUEUED_PER_BRANCH: "3",
};

function setEnv(values: Record<string, string>): void {
  Object.assign(process.env, values);
  resetEnvCache();
}

interface Answer {
  status: number;
  code: string | null;
  message: string;
  headers: Headers;
  data: unknown;
}

/** The operator whose session the requests below carry unless they say otherwise: changes need one. */
let operatorCookie = "";
let cliToken = "";

/** One tRPC mutation as an operator's browser on our own page sends it, unless `headers` says otherwise ("" leaves a header out). */
async function mutate(
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const all = {
    host: "pb.test",
    origin: ORIGIN,
    "sec-fetch-site": "same-origin",
    "content-type": "application/json",
    // Logging in replaces the session it came with: the shared operator's must survive the login tests.
    cookie: path.startsWith("auth.") ? "" : operatorCookie,
    ...headers,
  };
  const res = await POST(
    new Request(`${ORIGIN}/api/trpc/${path}`, {
      method: "POST",
      headers: Object.entries(all).filter(([, v]) => v !== ""),
      body: body ?? JSON.stringify(input),
    }),
  );
  const json = (await res.json()) as {
    result?: { data: unknown };
    error?: { message: string; data: { code: string } };
  };
  return {
    status: res.status,
    code: json.error?.data.code ?? null,
    message: json.error?.message ?? "",
    headers: res.headers,
    data: json.result?.data,
  };
}

async function userCookie(name: string): Promise<string> {
  const user = await createUser({ name, password: PASSWORD, role: "operator" });
  return `pb_session=${await createSession(user.id)}`;
}

/** Only this suite's counters, never anything else in Redis. */
async function clearCounters(): Promise<void> {
  const redis = createRedis();
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix()}:limit:*`, "COUNT", 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

beforeAll(async () => {
  setEnv(LIMITS);
  await resetDb();
  await db().$executeRawUnsafe(`DELETE FROM "session"`);
  // Operations keep their requester (ON DELETE RESTRICT): a suite that ran operations may have left some.
  await db().$executeRawUnsafe(`DELETE FROM "operation"`);
  await db().$executeRawUnsafe(`DELETE FROM "user"`);
  const lanes = ["a", "b", "c", "d", "e"].map((name) => ({ name, command: ["true"] }));
  const target = makeRepo({ "proofboard.yaml": catalogYaml(lanes) });
  await syncRepository(await ensureRepository("bs", target.dir));
  operatorCookie = await userCookie("bs-operator");
  const cli = await createUser({ name: "bs-cli", password: PASSWORD, role: "operator" });
  cliToken = (await createApiToken({ userId: cli.id, name: "cli", scope: "operate", days: 1, createdById: null }))
    .token;
});

beforeEach(async () => {
  setEnv(LIMITS);
  await clearCounters();
});

afterAll(async () => {
  closeCounters();
  await closeQueues();
  await disconnectDb();
});

describe("cross-site requests", () => {
  it("refuses a form posted from another site, and the session survives it", async () => {
    const cookie = await userCookie("cara");
    const form = await mutate(
      "auth.logout",
      null,
      {
        cookie,
        origin: "https://evil.example",
        "sec-fetch-site": "cross-site",
        "content-type": "application/x-www-form-urlencoded",
      },
      "a=1",
    );
    expect(form.status).toBe(403);
    expect(form.message).toMatch(/^cross-site request refused: /);
    expect(form.headers.get("set-cookie")).toBeNull();
    // An older browser without Fetch metadata: the foreign Origin alone is enough.
    const noMetadata = await mutate("auth.logout", null, {
      cookie,
      origin: "https://evil.example",
      "sec-fetch-site": "",
    });
    expect(noMetadata.message).toMatch(/^cross-site request refused: Origin "https:\/\/evil.example"/);
    // Without either header (a form from a page that hides its origin), a form body is still no JSON.
    const multipart = await mutate(
      "auth.logout",
      null,
      { cookie, origin: "", "sec-fetch-site": "", "content-type": "multipart/form-data; boundary=x" },
      "--x--\r\n",
    );
    expect(multipart.status).toBe(403);
    expect(multipart.message).toMatch(/application\/json/);
    expect(await userForToken(cookie.slice("pb_session=".length))).toMatchObject({ name: "cara" });
  });

  it("accepts the same mutation from our own page, and from the CLI (no Origin, no Fetch metadata)", async () => {
    const cookie = await userCookie("cid");
    const cli = await mutate(
      "runs.cancel",
      { id: "no-such-run" },
      { origin: "", "sec-fetch-site": "", "user-agent": "proofboard-cli/1", cookie: "" },
    );
    expect(cli.code).toBe("UNAUTHORIZED");
    expect(cli.message).toMatch(/^not logged in: runs\.cancel needs an operator/);
    const withToken = await mutate(
      "runs.cancel",
      { id: "no-such-run" },
      {
        origin: "",
        "sec-fetch-site": "",
        "user-agent": "proofboard-cli/1",
        cookie: "",
        authorization: `Bearer ${cliToken}`,
      },
    );
    expect(withToken.code).toBe("NOT_FOUND");
    const own = await mutate("auth.logout", null, { cookie });
    expect(own.status).toBe(200);
    expect(own.headers.get("set-cookie")).toMatch(/^pb_session=; HttpOnly; SameSite=Lax; Path=\/; Max-Age=0/);
    expect(await userForToken(cookie.slice("pb_session=".length))).toBeNull();
  });
});

describe("request bodies", () => {
  it("refuses a body over 1 MiB with 413 before reading more of it or asking who sent it", async () => {
    // anonymous: before the cap, 150 MB was read and parsed before the 401
    const huge = JSON.stringify({ branch: "main", lane: "a", pad: "x".repeat(2 << 20) });
    const big = await mutate("runs.rerun", null, { cookie: "" }, huge);
    expect([big.status, big.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    expect(big.message).toBe("the request body is larger than 1 MiB, the limit of any API call");
    // a Content-Length that announces too much is refused without reading
    const announced = await mutate(
      "runs.rerun",
      { branch: "main", lane: "a" },
      { "content-length": String(200 << 20) },
    );
    expect(announced.status).toBe(413);
    // sent in pieces without a length: counted as it comes
    const pieces = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 40; i++) c.enqueue(new Uint8Array(64 << 10).fill(32));
        c.close();
      },
    });
    const res = await POST(
      new Request(`${ORIGIN}/api/trpc/runs.rerun`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN, "sec-fetch-site": "same-origin" },
        body: pieces,
        duplex: "half",
      } as RequestInit),
    );
    expect(res.status).toBe(413);
    // and a body within the limit is read as before
    const ok = await mutate("runs.cancel", { id: "no-such-run" }, { cookie: operatorCookie });
    expect(ok.code).toBe("NOT_FOUND");
  });
});

describe("failed logins", () => {
  beforeEach(() => setEnv({ PROOFBOARD_MUTATION_RATE: "off", PROOFBOARD_MUTATION_RATE_PER_ADDRESS: "off" }));

  it("locks a name out after 3 failures, even with the right password, saying for how long", async () => {
    await createUser({ name: "lena", password: PASSWORD, role: "viewer" });
    for (const i of [1, 2, 3]) {
      const wrong = await mutate(
        "auth.login",
        { name: "lena", password: "wrong password" },
        { "x-forwarded-for": `10.1.0.${i}` },
      );
      expect(wrong.code).toBe("UNAUTHORIZED");
    }
    const right = await mutate("auth.login", { name: "lena", password: PASSWORD }, { "x-forwarded-for": "10.1.0.9" });
    expect(right.status).toBe(429);
    expect(right.message).toBe("too many failed logins for lena; try again in 15 min");
    expect(right.headers.get("set-cookie")).toBeNull();
  });

  it("a success clears the name's failures", async () => {
    await createUser({ name: "mia", password: PASSWORD, role: "viewer" });
    const as = (password: string) => mutate("auth.login", { name: "mia", password }, { "x-forwarded-for": "10.2.0.1" });
    expect((await as("wrong one")).code).toBe("UNAUTHORIZED");
    expect((await as("wrong two")).code).toBe("UNAUTHORIZED");
    expect((await as(PASSWORD)).status).toBe(200);
    expect((await as("wrong three")).code).toBe("UNAUTHORIZED");
    expect((await as("wrong four")).code).toBe("UNAUTHORIZED");
    expect((await as(PASSWORD)).status).toBe(200);
  });

  it("locks an address out after 6 failures across names; other addresses still log in", async () => {
    await createUser({ name: "noor", password: PASSWORD, role: "viewer" });
    for (let i = 0; i < 6; i++) {
      expect(
        (await mutate("auth.login", { name: `guess${i}`, password: PASSWORD }, { "x-forwarded-for": "10.3.0.1" })).code,
      ).toBe("UNAUTHORIZED");
    }
    const refused = await mutate("auth.login", { name: "noor", password: PASSWORD }, { "x-forwarded-for": "10.3.0.1" });
    expect(refused.message).toBe("too many failed logins from 10.3.0.1; try again in 15 min");
    expect(
      (await mutate("auth.login", { name: "noor", password: PASSWORD }, { "x-forwarded-for": "10.3.0.2" })).status,
    ).toBe(200);
  });
});

describe("mutation rate limits", () => {
  it("a user runs out after 6 changes a minute, however many addresses it claims", async () => {
    const cookie = await userCookie("ravi");
    const codes: (string | null)[] = [];
    for (let i = 0; i < 40; i++) {
      codes.push(
        (await mutate("runs.cancel", { id: "no-such-run" }, { cookie, "x-forwarded-for": `192.0.2.${i}, 10.0.0.1` }))
          .code,
      );
    }
    expect(codes.slice(0, 6)).toEqual(Array(6).fill("NOT_FOUND"));
    expect(codes.slice(6)).toEqual(Array(34).fill("TOO_MANY_REQUESTS"));
    const last = await mutate("runs.cancel", { id: "no-such-run" }, { cookie, "x-forwarded-for": "198.51.100.7" });
    expect(last.status).toBe(429);
    expect(last.message).toMatch(/^rate limit: 6 changes per minute for user ravi; try again in \d+ s$/);
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("an address runs out after 4 changes a minute across users; a hostile address stays data", async () => {
    const hostile = "\u001b[31m203.0.113.5\u0007\u0001";
    const codes: (string | null)[] = [];
    for (const name of ["una", "ugo", "uri"]) {
      const cookie = await userCookie(name);
      codes.push((await mutate("runs.cancel", { id: "no-such-run" }, { cookie, "x-forwarded-for": hostile })).code);
      codes.push((await mutate("runs.cancel", { id: "no-such-run" }, { cookie, "x-forwarded-for": hostile })).code);
    }
    expect(codes).toEqual([
      "NOT_FOUND",
      "NOT_FOUND",
      "NOT_FOUND",
      "NOT_FOUND",
      "TOO_MANY_REQUESTS",
      "TOO_MANY_REQUESTS",
    ]);
    const refused = await mutate("runs.cancel", { id: "no-such-run" }, { "x-forwarded-for": hostile });
    expect(refused.message).toMatch(
      /^rate limit: 4 changes per minute for address \[31m203\.0\.113\.5; try again in \d+ s$/,
    );
    // Reads are never counted.
    const read = await POST(new Request(`${ORIGIN}/api/trpc/auth.me`, { headers: { "x-forwarded-for": hostile } }));
    expect(read.status).toBe(200);
  });

  it("stops the issue's 100 rerun+cancel pairs after the budget: 3 runs, not 100", async () => {
    setEnv({ PROOFBOARD_MAX_QUEUED_PER_BRANCH: "200" });
    const before = await db().run.count({ where: { lane: "e" } });
    let refused = 0;
    const started = Date.now();
    for (let i = 0; i < 100; i++) {
      // One operator inventing a new address each time: the user's budget still holds.
      const headers = { "x-forwarded-for": `198.18.${i >> 8}.${i & 255}` };
      const rerun = await mutate("runs.rerun", { repository: "bs", branch: "main", lane: "e" }, headers);
      if (rerun.status === 429) refused++;
      const id = (rerun.data as { id?: string } | undefined)?.id;
      if (id && (await mutate("runs.cancel", { id }, headers)).status === 429) refused++;
    }
    expect(await db().run.count({ where: { lane: "e" } })).toBe(before + 3);
    // 3 pairs fit the budget of 6 changes; every later rerun is refused, so there is nothing to cancel.
    expect(refused).toBe(97);
    expect(Date.now() - started).toBeLessThan(30_000);
    // Anonymous, they are refused outright and queue nothing.
    expect((await mutate("runs.rerun", { repository: "bs", branch: "main", lane: "e" }, { cookie: "" })).status).toBe(
      401,
    );
    expect(await db().run.count({ where: { lane: "e" } })).toBe(before + 3);
  });

  it("lets mutations through when Redis does not answer (Redis is transport only)", async () => {
    const redisUrl = process.env.REDIS_URL;
    try {
      // A port nothing listens on: the counter answers null at once and the request proceeds.
      setEnv({ REDIS_URL: "redis://127.0.0.1:1", PROOFBOARD_MUTATION_RATE: "1/min" });
      const cookie = await userCookie("fay");
      for (let i = 0; i < 3; i++)
        expect((await mutate("runs.cancel", { id: "no-such-run" }, { cookie })).code).toBe("NOT_FOUND");
    } finally {
      if (redisUrl === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = redisUrl;
      resetEnvCache();
    }
  });
});

describe("queued runs per branch", () => {
  it("refuses a request past the cap, naming it; a repeat click and a cancel still work", async () => {
    setEnv({ PROOFBOARD_MUTATION_RATE: "off", PROOFBOARD_MUTATION_RATE_PER_ADDRESS: "off" });
    await db().run.updateMany({ where: { status: { in: ["queued", "waiting"] } }, data: { status: "canceled" } });
    const rerun = (lane: string) => mutate("runs.rerun", { repository: "bs", branch: "main", lane });
    const ids: { id: string }[] = [];
    for (const lane of ["a", "b", "c"]) ids.push((await rerun(lane)).data as { id: string });
    const over = await rerun("d");
    expect(over.code).toBe("CONFLICT");
    expect(over.message).toBe(
      "main already has 3 runs queued or waiting; the limit is 3 per branch (PROOFBOARD_MAX_QUEUED_PER_BRANCH): wait for some to start or cancel them",
    );
    expect(await db().run.count({ where: { lane: "d", status: "queued" } })).toBe(0);
    // A second click on a queued lane returns that run: it adds nothing to the queue.
    expect(((await rerun("a")).data as { id: string }).id).toBe(ids[0]!.id);
    expect((await mutate("runs.cancel", { id: ids[1]!.id })).status).toBe(200);
    expect((await rerun("d")).status).toBe(200);
  });
});
