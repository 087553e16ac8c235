import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { env } from "@proofboard/env";

/**
 * Where an admin's webhook may not send: this machine (loopback, the unspecified address) and the
 * link-local network, where clouds serve instance credentials (169.254.169.254). The first 2 KiB of
 * each answer is kept and shown, so a hook there would read local services for whoever added it.
 * Private ranges (10/8, 192.168/16, fc00::/7) stay allowed: chat servers inside a company live there.
 * PROOFBOARD_NEWS_ALLOW_LOCAL=1 lifts this for a receiver run beside Proofboard.
 */
const LOCAL = new BlockList();
LOCAL.addSubnet("127.0.0.0", 8, "ipv4");
LOCAL.addSubnet("0.0.0.0", 8, "ipv4");
LOCAL.addSubnet("169.254.0.0", 16, "ipv4");
LOCAL.addSubnet("224.0.0.0", 4, "ipv4");
LOCAL.addAddress("255.255.255.255", "ipv4");
LOCAL.addAddress("::1", "ipv6");
LOCAL.addAddress("::", "ipv6");
LOCAL.addSubnet("fe80::", 10, "ipv6");
LOCAL.addSubnet("ff00::", 8, "ipv6");

/** Why an IP address is out of a hook's reach, or null. IPv4 written inside IPv6 (::ffff:127.0.0.1) counts as IPv4. */
export function localAddressReason(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address.replace(/^\[|\]$/g, "");
  const family = isIP(ip);
  if (family === 0 || !LOCAL.check(ip, family === 4 ? "ipv4" : "ipv6")) return null;
  return `${ip} is on this machine or its link-local network`;
}

const ADVICE =
  "news goes to other machines only (set PROOFBOARD_NEWS_ALLOW_LOCAL=1 for a receiver run beside Proofboard)";

/** Refuses a hook URL whose host is written as a local address; a name is judged when it is sent. */
export function refusedHookHost(url: URL): string | null {
  if (env().PROOFBOARD_NEWS_ALLOW_LOCAL === "1") return null;
  const why =
    localAddressReason(url.hostname) ?? (/^localhost\.?$/i.test(url.hostname) ? "localhost is this machine" : null);
  return why && `${why}: ${ADVICE}`;
}

/**
 * Before each delivery: every address the host name resolves to must be out of LOCAL, so a name
 * that points at 127.0.0.1 (or is later changed to) is refused too. The HTTP client resolves the
 * name again when it connects; a DNS answer that changes between the two is not caught here.
 */
export async function refusedDeliveryHost(url: URL): Promise<string | null> {
  if (env().PROOFBOARD_NEWS_ALLOW_LOCAL === "1") return null;
  const literal = refusedHookHost(url);
  if (literal) return `refused: ${literal}`;
  if (isIP(url.hostname.replace(/^\[|\]$/g, ""))) return null;
  const addresses = await lookup(url.hostname, { all: true, verbatim: true }).catch(() => []);
  for (const { address } of addresses) {
    const why = localAddressReason(address);
    if (why)
      return `refused: ${url.hostname} resolves to ${address}, which is on this machine or its link-local network: ${ADVICE}`;
  }
  return null;
}
