import { createHash } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { env } from "@proofboard/env";
import { clear, hit, peek, waitText } from "./counter";

/**
 * Failed logins per user name and per client address. Only failures count, and a name's count is
 * cleared by its next success; past the limit every login for that name (or from that address) is
 * refused until the window ends, even with the right password, so guessing cannot continue.
 * A name is hashed into the key: it is client input of any shape.
 */

function nameKey(name: string): string {
  return `login-failures:name:${createHash("sha256").update(name).digest("hex").slice(0, 32)}`;
}

function addressKey(address: string): string {
  return `login-failures:address:${address}`;
}

function shown(name: string): string {
  return /^[a-z0-9][a-z0-9._-]{0,63}$/.test(name) ? name : JSON.stringify(name.slice(0, 64));
}

/** Throws TOO_MANY_REQUESTS when the name or the address used up its failures. */
export async function refuseLockedLogin(name: string, address: string): Promise<void> {
  const e = env();
  if (e.PROOFBOARD_LOGIN_FAILURES) {
    const w = await peek(nameKey(name), e.PROOFBOARD_LOGIN_FAILURES);
    if (w && w.count >= e.PROOFBOARD_LOGIN_FAILURES.limit) {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `too many failed logins for ${shown(name)}; try again in ${waitText(w.retryAfterSeconds)}`,
      });
    }
  }
  // "local" is every client when no proxy names them: counting it would let anyone lock everyone out.
  if (e.PROOFBOARD_LOGIN_FAILURES_PER_ADDRESS && address !== "local") {
    const w = await peek(addressKey(address), e.PROOFBOARD_LOGIN_FAILURES_PER_ADDRESS);
    if (w && w.count >= e.PROOFBOARD_LOGIN_FAILURES_PER_ADDRESS.limit) {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `too many failed logins from ${address}; try again in ${waitText(w.retryAfterSeconds)}`,
      });
    }
  }
}

export async function recordLoginFailure(name: string, address: string): Promise<void> {
  const e = env();
  if (e.PROOFBOARD_LOGIN_FAILURES) await hit(nameKey(name), e.PROOFBOARD_LOGIN_FAILURES);
  if (e.PROOFBOARD_LOGIN_FAILURES_PER_ADDRESS && address !== "local")
    await hit(addressKey(address), e.PROOFBOARD_LOGIN_FAILURES_PER_ADDRESS);
}

/** A success clears the name's failures; the address keeps its count (one address may guess many names). */
export async function clearLoginFailures(name: string): Promise<void> {
  await clear(nameKey(name));
}
