import { createTRPCClient, httpLink } from "@trpc/client";
// Type-only: the CLI must never load server code (database, Redis, server env).
import type { AppRouter } from "@proofboard/api";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { storedToken } from "./credentials";
import { CliError, EXIT, START_HINT, UsageError } from "./errors";

export type Inputs = inferRouterInputs<AppRouter>;
export type Outputs = inferRouterOutputs<AppRouter>;
export type Client = ReturnType<typeof makeClient>;

export interface Config {
  apiUrl: string;
  repository: string | undefined;
  /** the API token sent as a bearer: PROOFBOARD_TOKEN, else the one `proofboard login` stored for this API URL */
  token?: string;
  /** where the token came from, for messages */
  tokenSource?: string;
}

const DEFAULT_API_URL = "http://localhost:3000";
const USER_AGENT = "proofboard-cli";
/** The server's token shape (packages/auth), repeated here because the CLI must not load server code. */
const API_TOKEN = /^pb_[A-Za-z0-9_-]{43}$/;
/** Generous: a sync fetches from git; a hung server should still not hang a script forever. */
const REQUEST_TIMEOUT_MS = 120_000;

export async function loadConfig(env: NodeJS.ProcessEnv, repositoryOption: string | undefined): Promise<Config> {
  const raw = env.PROOFBOARD_API_URL || DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`PROOFBOARD_API_URL is not a URL: ${JSON.stringify(raw)}`, null);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`PROOFBOARD_API_URL must be http:// or https://, not ${JSON.stringify(raw)}`, null);
  }
  // An empty --repository is a slip (an unset shell variable), not "the server's default".
  if (repositoryOption === "")
    throw new UsageError("--repository needs a name; leave it out for the server's default repository", null);
  const repository = repositoryOption ?? (env.PROOFBOARD_REPOSITORY || undefined);
  const apiUrl = url.toString().replace(/\/+$/, "");
  // Checked before it goes into a header: anything else could inject more headers.
  const fromEnv = env.PROOFBOARD_TOKEN?.trim() || undefined;
  if (fromEnv) {
    if (!API_TOKEN.test(fromEnv))
      throw new UsageError("PROOFBOARD_TOKEN is not a Proofboard API token (pb_ and 43 characters)", null);
    return { apiUrl, repository, token: fromEnv, tokenSource: "PROOFBOARD_TOKEN" };
  }
  const stored = await storedToken(env, apiUrl);
  if (stored && API_TOKEN.test(stored.token))
    return {
      apiUrl,
      repository,
      token: stored.token,
      tokenSource: `the token proofboard login stored for ${stored.user}`,
    };
  return { apiUrl, repository };
}

/** The Authorization header for the configured token, if any. */
export function authHeaders(config: Config): Record<string, string> {
  return config.token ? { authorization: `Bearer ${config.token}` } : {};
}

/**
 * fetch with a timeout and with failures phrased for a person. A network failure or an answer that
 * is not JSON (a dev server without the API, a proxy's error page) means "no Proofboard API here".
 * The timeout covers waiting for the response head only: a long console download must not be cut.
 */
async function apiFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input.toString());
  const where = `${url.origin}${url.pathname}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new TimeoutError()), REQUEST_TIMEOUT_MS);
  const signal = init?.signal ? AbortSignal.any([init.signal, abort.signal]) : abort.signal;
  let res: Response;
  try {
    res = await fetch(input, { ...init, signal, headers: { ...headersOf(init), "user-agent": USER_AGENT } });
  } catch (err) {
    throw unreachable(where, abort.signal.aborted ? abort.signal.reason : err);
  } finally {
    clearTimeout(timer);
  }
  const type = res.headers.get("content-type") ?? "";
  if (where.includes("/api/trpc/") && !type.includes("json")) {
    await res.body?.cancel();
    throw new CliError(
      `${where} answered HTTP ${res.status} (${type || "no content type"}), not the Proofboard API; is PROOFBOARD_API_URL right? ${START_HINT}`,
      EXIT.unreachable,
    );
  }
  return res;
}

class TimeoutError extends Error {
  override name = "TimeoutError";
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const h = init?.headers;
  if (!h) return {};
  return h instanceof Headers || Array.isArray(h)
    ? Object.fromEntries(new Headers(h))
    : { ...(h as Record<string, string>) };
}

function unreachable(where: string, err: unknown): CliError {
  const e = err as { name?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError")
    return new CliError(
      `the Proofboard API at ${where} did not answer within ${REQUEST_TIMEOUT_MS / 1000}s`,
      EXIT.unreachable,
    );
  const reason = e.cause?.code ?? e.cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new CliError(`cannot reach the Proofboard API at ${where} (${reason}); ${START_HINT}`, EXIT.unreachable);
}

export function makeClient(config: Config) {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${config.apiUrl}/api/trpc`, fetch: apiFetch, headers: () => authHeaders(config) })],
  });
}

/** The API identifies runs by UUID; checking here also keeps `..` out of the URL path. */
export const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The server's rule for console names. */
export const CONSOLE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export type ConsoleAnswer =
  | { kind: "bytes"; body: ReadableStream<Uint8Array> | null; final: boolean; status: string }
  | { kind: "unknown-console"; message: string };

/** GET /api/runs/<id>/consoles/<name>/raw[?from=N]: the console's bytes, never decoded. */
export async function fetchConsole(
  config: Config,
  runId: string,
  name: string,
  from: number | null,
): Promise<ConsoleAnswer> {
  if (!RUN_ID.test(runId)) throw new CliError(`unknown run: ${JSON.stringify(runId)}`, EXIT.usage);
  if (!CONSOLE_NAME.test(name)) throw new CliError(`invalid console name: ${JSON.stringify(name)}`, EXIT.usage);
  const url = new URL(
    `${config.apiUrl}/api/runs/${encodeURIComponent(runId)}/consoles/${encodeURIComponent(name)}/raw`,
  );
  if (from !== null) url.searchParams.set("from", String(from));
  const res = await apiFetch(url, { headers: authHeaders(config) });
  if (res.ok) {
    return {
      kind: "bytes",
      body: res.body,
      final: res.headers.get("x-proofboard-run-final") === "true",
      status: res.headers.get("x-proofboard-run-status") ?? "unknown",
    };
  }
  const type = res.headers.get("content-type") ?? "";
  const text = type.startsWith("text/plain") ? (await res.text()).trim() : "";
  // The endpoint answers its own errors in one plain-text line; anything else is someone else's 404 page.
  if (res.status === 404 && text.startsWith("unknown console:")) return { kind: "unknown-console", message: text };
  if (res.status === 404 && text.startsWith("unknown ")) throw new CliError(text, EXIT.usage);
  if (res.status === 400 && text) throw new CliError(text, EXIT.usage);
  if ((res.status === 401 || res.status === 403) && text) throw new CliError(text, EXIT.denied);
  if (res.status === 404) {
    throw new CliError(
      `${url.origin}${url.pathname} answered HTTP 404 (${type || "no content type"}), not the Proofboard API; is PROOFBOARD_API_URL right? ${START_HINT}`,
      EXIT.unreachable,
    );
  }
  throw new CliError(
    `the API failed: HTTP ${res.status} from ${url.origin}${url.pathname}${text ? `: ${text}` : ""}`,
    EXIT.failed,
  );
}
