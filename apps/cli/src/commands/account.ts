import { hostname } from "node:os";
import { createInterface } from "node:readline";
import { forgetToken, saveToken } from "../credentials";
import { CliError, EXIT, UsageError } from "../errors";
import { formatTime, table } from "../output";
import { wholeOption, type Command, type Ctx } from "./context";

/** Logging in, who you are, and API tokens. */

const a = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

const SCOPES = ["read", "operate", "admin"] as const;
type Scope = (typeof SCOPES)[number];

function scopeOption(ctx: Ctx): Scope | undefined {
  const raw = ctx.options.get("scope");
  if (raw === undefined) return undefined;
  if (!(SCOPES as readonly string[]).includes(raw))
    throw new UsageError(`--scope must be one of ${SCOPES.join(", ")}, not ${JSON.stringify(raw)}`, ctx.spec);
  return raw as Scope;
}

const daysOption = (ctx: Ctx) => wholeOption(ctx, "days", 1, 366) ?? 90;

/** The password: typed without echo on a terminal, else the first line of stdin (scripts, CI). */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const rl = createInterface({ input: stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new CliError("no password on stdin", EXIT.usage);
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let typed = "";
  try {
    for await (const chunk of stdin as AsyncIterable<Buffer>) {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return typed;
        if (ch === "\u0003") throw new CliError("interrupted", EXIT.failed);
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else typed += ch;
      }
    }
    return typed;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

/** `login [--name N] [--scope S] [--days N]`: a password for an API token, stored for this API URL. */
export const login: Command = async (ctx) => {
  const name = ctx.options.get("name") ?? ctx.env.USER ?? "";
  if (!name) throw new UsageError("login: say who with --name NAME", ctx.spec);
  const password = await readPassword(`Password for ${name} at ${ctx.config.apiUrl}: `);
  const made = await ctx.api.auth.issueToken.mutate({
    name,
    password,
    scope: scopeOption(ctx),
    days: daysOption(ctx),
    tokenName: `cli on ${hostname()
      .replace(/[^A-Za-z0-9 ._@:-]/g, "-")
      .slice(0, 40)}`,
  });
  const file = await saveToken(ctx.env, ctx.config.apiUrl, {
    token: made.token,
    tokenId: made.info.id,
    user: made.info.user,
    scope: made.info.scope,
    expiresAt: made.info.expiresAt,
  });
  ctx.out.info(
    `logged in as ${made.info.user} (${made.user.role}) with ${a(made.info.scope)} token until ${formatTime(made.info.expiresAt)}; stored in ${file}`,
  );
  if (ctx.env.PROOFBOARD_TOKEN) ctx.out.info("note: PROOFBOARD_TOKEN is set and is used instead of the stored token");
  return EXIT.ok;
};

/** `logout`: revokes the stored token on the server and forgets it. */
export const logout: Command = async (ctx) => {
  const entry = await forgetToken(ctx.env, ctx.config.apiUrl);
  if (!entry) {
    ctx.out.info(`not logged in at ${ctx.config.apiUrl}`);
    return EXIT.ok;
  }
  try {
    await ctx.api.tokens.revoke.mutate({ id: entry.tokenId });
    ctx.out.info(`logged out: token for ${entry.user} revoked and forgotten`);
  } catch (err) {
    ctx.out.info(
      `token forgotten here, but not revoked on the server (${err instanceof Error ? err.message : String(err)}); revoke it on the web page`,
    );
  }
  return EXIT.ok;
};

/** `whoami`: who the API takes you for, and with which credential. */
export const whoami: Command = async (ctx) => {
  const me = await ctx.api.auth.me.query();
  if (ctx.flags.has("json")) {
    ctx.out.json(me);
    return EXIT.ok;
  }
  if (!me) {
    ctx.out.line(
      `anonymous at ${ctx.config.apiUrl}${ctx.config.tokenSource ? "" : " (no token: run proofboard login, or set PROOFBOARD_TOKEN)"}`,
    );
    return EXIT.ok;
  }
  const via = me.token
    ? `${a(me.token.scope)} token (${ctx.config.tokenSource ?? "token"}), acting as ${me.actingRole}`
    : "a session";
  ctx.out.line(`${me.name} (${me.role}) via ${via}`);
  return EXIT.ok;
};

/** `tokens [--user NAME|*]`: your API tokens (an admin: anyone's). */
export const tokens: Command = async (ctx) => {
  const rows = await ctx.api.tokens.list.query({ user: ctx.options.get("user") });
  if (ctx.flags.has("json")) {
    ctx.out.json(rows);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    ctx.out.line("no tokens");
    return EXIT.ok;
  }
  const now = Date.now();
  const state = (t: (typeof rows)[number]) =>
    t.revokedAt
      ? { text: "revoked", style: "red" as const }
      : new Date(t.expiresAt).getTime() <= now
        ? { text: "expired", style: "red" as const }
        : { text: "active", style: "green" as const };
  const cells = rows.map((t) => [
    t.id,
    t.user,
    `${t.prefix}…`,
    t.name,
    t.scope,
    state(t),
    formatTime(t.expiresAt),
    t.lastUsedAt ? formatTime(t.lastUsedAt) : "-",
  ]);
  for (const l of table(ctx.out, ["ID", "USER", "TOKEN", "NAME", "SCOPE", "STATE", "EXPIRES", "LAST USED"], cells))
    ctx.out.line(l);
  return EXIT.ok;
};

/** `token-create NAME [--scope S] [--days N] [--user U]`: prints the new token once, on stdout. */
export const tokenCreate: Command = async (ctx) => {
  const made = await ctx.api.tokens.create.mutate({
    name: ctx.args[0]!,
    scope: scopeOption(ctx) ?? "read",
    days: daysOption(ctx),
    user: ctx.options.get("user"),
  });
  ctx.out.line(made.token);
  ctx.out.info(
    `${made.info.scope} token ${JSON.stringify(made.info.name)} for ${made.info.user}, until ${formatTime(made.info.expiresAt)}; it is shown only this once`,
  );
  return EXIT.ok;
};

/** `token-revoke ID`. */
export const tokenRevoke: Command = async (ctx) => {
  await ctx.api.tokens.revoke.mutate({ id: ctx.args[0]! });
  ctx.out.info(`revoked ${ctx.args[0]}`);
  return EXIT.ok;
};
