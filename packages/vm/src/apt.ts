import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pipe2, run, runOk } from "./proc";

/** A plain Debian kernel image: `linux-image-6.1.0-56-amd64`, `linux-image-6.12.117+deb12-amd64`. */
const PLAIN_KERNEL = /^linux-image-(\d+\.\d+\.\d+[-+][0-9A-Za-z.]+)-amd64$/;

export interface KernelPackage {
  name: string;
  version: string;
}

/** Debian version ordering (dpkg's algorithm): `~` sorts before everything, letters before other symbols. */
export function compareDebVersions(a: string, b: string): number {
  const split = (v: string): [number, string, string] => {
    const colon = v.indexOf(":");
    const epoch = colon >= 0 ? Number(v.slice(0, colon)) : 0;
    const rest = colon >= 0 ? v.slice(colon + 1) : v;
    const dash = rest.lastIndexOf("-");
    return dash >= 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ""];
  };
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
  const order = (c: string | undefined): number => {
    if (c === undefined || isDigit(c)) return 0;
    if (c === "~") return -1;
    if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
    return c.charCodeAt(0) + 256;
  };
  // a port of dpkg's verrevcmp()
  const part = (x: string, y: string): number => {
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      while ((i < x.length && !isDigit(x[i])) || (j < y.length && !isDigit(y[j]))) {
        const d = order(x[i]) - order(y[j]);
        if (d !== 0) return d;
        i++;
        j++;
      }
      while (x[i] === "0") i++;
      while (y[j] === "0") j++;
      let firstDiff = 0;
      while (isDigit(x[i]) && isDigit(y[j])) {
        if (!firstDiff) firstDiff = x.charCodeAt(i) - y.charCodeAt(j);
        i++;
        j++;
      }
      if (isDigit(x[i])) return 1;
      if (isDigit(y[j])) return -1;
      if (firstDiff) return firstDiff;
    }
    return 0;
  };
  const [ea, ua, ra] = split(a);
  const [eb, ub, rb] = split(b);
  return ea - eb || part(ua, ub) || part(ra, rb);
}

/** Parses `apt-cache show` stanzas into the plain kernel packages they describe. */
export function parseKernelStanzas(text: string): KernelPackage[] {
  const out = new Map<string, KernelPackage>();
  for (const stanza of text.split(/\n\s*\n/)) {
    const name = /^Package: (.+)$/m.exec(stanza)?.[1]?.trim();
    const version = /^Version: (.+)$/m.exec(stanza)?.[1]?.trim();
    if (!name || !version || !PLAIN_KERNEL.test(name)) continue;
    const seen = out.get(name);
    if (!seen || compareDebVersions(version, seen.version) > 0) out.set(name, { name, version });
  }
  return [...out.values()];
}

async function searchKernels(): Promise<string[]> {
  const r = await runOk("apt-cache", ["search", "--names-only", "^linux-image-[0-9].*-amd64$"]);
  return r.stdout
    .toString("utf8")
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => PLAIN_KERNEL.test(n));
}

/**
 * Plain amd64 kernel images apt knows, newest first (not -cloud/-rt, which lack drivers or
 * change scheduling; not -dbg/-unsigned; not meta-packages without a kernel in them).
 */
export async function kernelCandidates(log: (line: string) => void): Promise<KernelPackage[]> {
  let names = await searchKernels();
  if (names.length === 0) {
    // A fresh container ships without package lists; one update is enough to see the archive.
    if (process.getuid?.() !== 0)
      throw new Error("apt knows no linux-image-*-amd64 package and only root can run apt-get update");
    log("apt lists are empty: running apt-get update");
    // eslint-disable-next-line no-restricted-properties -- apt-get inherits the environment (proxies, PATH); reads no setting
    await runOk("apt-get", ["update", "-qq"], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    names = await searchKernels();
  }
  if (names.length === 0) throw new Error("apt knows no linux-image-*-amd64 package");
  const show = await run("apt-cache", ["show", "--no-all-versions", ...names]);
  return parseKernelStanzas(show.stdout.toString("utf8")).sort((a, b) => compareDebVersions(b.version, a.version));
}

/** Downloads one package into `dir` (never installs it) and returns the path of its .deb. */
export async function downloadDeb(pkg: KernelPackage, dir: string): Promise<string> {
  await runOk("apt-get", ["download", "-q", `${pkg.name}=${pkg.version}`], { cwd: dir });
  const deb = (await readdir(dir)).find((f) => f.startsWith(`${pkg.name}_`) && f.endsWith(".deb"));
  if (!deb) throw new Error(`apt-get download left no ${pkg.name} .deb in ${dir}`);
  return join(dir, deb);
}

/** Unpacks only `boot/vmlinuz-*` of a .deb into `dir` and returns its path and the kernel release it names. */
export async function extractVmlinuz(deb: string, dir: string): Promise<{ path: string; release: string }> {
  await pipe2(["dpkg-deb", ["--fsys-tarfile", deb]], ["tar", ["-x", "-C", dir, "--wildcards", "./boot/vmlinuz-*"]]);
  const files = (await readdir(join(dir, "boot"))).filter((f) => f.startsWith("vmlinuz-"));
  const file = files[0];
  if (!file || files.length !== 1) throw new Error(`expected one boot/vmlinuz-* in ${deb}, found ${files.length}`);
  return { path: join(dir, "boot", file), release: file.slice("vmlinuz-".length) };
}
