import { env, type Forge } from "@proofboard/env";
import { clean, type ReadinessPayload } from "./payloads";

/**
 * Commit statuses on the forge (PROOFBOARD_FORGE*): the head commit of a branch gets
 * `proofboard/release-ready`, and `proofboard/gate/<gate>` per gate, on each readiness change.
 * Each forge's own API: GitHub and Gitea POST {state, target_url, description, context} to
 * /repos/{owner}/{repo}/statuses/{sha}; GitLab POSTs {state, name, target_url, description, ref} to
 * /projects/{id}/statuses/{sha}, and says "failed" where the others say "failure".
 */

export interface ForgeConfig {
  forge: Forge;
  apiUrl: string;
  repo: string;
  token: string;
}

const DEFAULT_API: Record<Forge, string | null> = {
  github: "https://api.github.com",
  gitea: null,
  gitlab: "https://gitlab.com/api/v4",
};

/** The forge to post statuses to, or null when none is configured (env() has checked the settings). */
export function forgeConfig(): ForgeConfig | null {
  const e = env();
  if (!e.PROOFBOARD_FORGE || !e.PROOFBOARD_FORGE_TOKEN || !e.PROOFBOARD_FORGE_REPO) return null;
  const apiUrl = e.PROOFBOARD_FORGE_API_URL ?? DEFAULT_API[e.PROOFBOARD_FORGE];
  if (!apiUrl) return null;
  return {
    forge: e.PROOFBOARD_FORGE,
    apiUrl: apiUrl.replace(/\/+$/, ""),
    repo: e.PROOFBOARD_FORGE_REPO,
    token: e.PROOFBOARD_FORGE_TOKEN,
  };
}

/** Which forge settings the page may show: never the token. */
export function forgeSummary(): { forge: Forge; apiUrl: string; repo: string } | null {
  const c = forgeConfig();
  return c && { forge: c.forge, apiUrl: c.apiUrl, repo: c.repo };
}

export const RELEASE_READY_CONTEXT = "proofboard/release-ready";

export function statusContext(gate: string | null): string {
  return gate === null ? RELEASE_READY_CONTEXT : `proofboard/gate/${clean(gate, 100)}`;
}

/** Short enough for every forge (GitHub keeps 140 characters). */
function description(p: ReadinessPayload): string {
  const text = p.ready
    ? p.gate === null
      ? "READY: all release gates green"
      : "green: every lane of the gate passed"
    : `NOT READY: missing ${p.missing.map((m) => clean(m, 60)).join(", ") || "a verdict"}`;
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The URL and body of the status for one readiness change; null when the commit is not a full sha. */
export function statusRequest(
  c: Pick<ForgeConfig, "forge" | "apiUrl" | "repo">,
  p: ReadinessPayload,
): { url: string; body: string } | null {
  if (!SHA.test(p.commit)) return null;
  const context = statusContext(p.gate);
  if (c.forge === "gitlab") {
    const url = `${c.apiUrl}/projects/${encodeURIComponent(c.repo)}/statuses/${p.commit}`;
    const body = {
      state: p.ready ? "success" : "failed",
      name: context,
      target_url: p.url,
      description: description(p),
      ref: p.branch,
    };
    return { url, body: JSON.stringify(body) };
  }
  const [owner = "", name = ""] = c.repo.split("/");
  const url = `${c.apiUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/statuses/${p.commit}`;
  const body = { state: p.ready ? "success" : "failure", target_url: p.url, description: description(p), context };
  return { url, body: JSON.stringify(body) };
}

/** Each forge's way of taking a token, and what GitHub asks every client to send. */
export function forgeHeaders(c: ForgeConfig): Record<string, string> {
  if (c.forge === "github") {
    return {
      authorization: `Bearer ${c.token}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    };
  }
  if (c.forge === "gitea") return { authorization: `token ${c.token}`, accept: "application/json" };
  return { "private-token": c.token, accept: "application/json" };
}
