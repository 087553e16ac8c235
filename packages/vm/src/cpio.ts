/**
 * A writer for the "newc" cpio format, the only one the kernel unpacks as an initramfs.
 * Building archives in process keeps asset builds free of shell pipelines and makes
 * them byte-for-byte reproducible (fixed inode numbers, owners and times).
 */

export interface CpioEntry {
  /** relative path inside the archive, e.g. "bin/busybox"; a leading "/" or "./" is dropped */
  path: string;
  /** permission bits (0o755); file-type bits are derived from `type` */
  mode: number;
  type: "file" | "dir" | "symlink" | "char";
  data?: Buffer;
  /** symlink target */
  target?: string;
  /** device numbers of a "char" entry, e.g. 5,1 for /dev/console */
  rdevMajor?: number;
  rdevMinor?: number;
}

const TYPE_BITS: Record<CpioEntry["type"], number> = {
  file: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  char: 0o020000,
};

/** The newc header's fields are 8 hex digits each; anything larger cannot be represented. */
function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio field out of range: ${n}`);
  return n.toString(16).padStart(8, "0");
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function normalizePath(p: string): string {
  const clean = p.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
  if (clean === "" || clean.split("/").some((part) => part === ".." || part === "." || part === "")) {
    throw new Error(`cpio: unsafe or empty path ${JSON.stringify(p)}`);
  }
  if (clean.includes("\0")) throw new Error("cpio: NUL in path");
  return clean;
}

function record(
  fields: { ino: number; mode: number; nlink: number; size: number; rmaj: number; rmin: number },
  name: string,
  body: Buffer,
): Buffer {
  const nameBuf = Buffer.from(`${name}\0`, "utf8");
  const header =
    "070701" +
    hex8(fields.ino) +
    hex8(fields.mode) +
    hex8(0) + // uid: root, so the guest's files do not inherit the builder's owner
    hex8(0) + // gid
    hex8(fields.nlink) +
    hex8(0) + // mtime: fixed, so equal inputs give an equal archive (and an equal cache key)
    hex8(fields.size) +
    hex8(0) + // devmajor
    hex8(0) + // devminor
    hex8(fields.rmaj) +
    hex8(fields.rmin) +
    hex8(nameBuf.length) +
    hex8(0); // check: only used by the "crc" variant
  const head = Buffer.from(header, "ascii");
  return Buffer.concat([
    head,
    nameBuf,
    Buffer.alloc(pad4(head.length + nameBuf.length)),
    body,
    Buffer.alloc(pad4(body.length)),
  ]);
}

/** Packs entries in the given order (parents before children) and appends the TRAILER!!! record. */
export function packCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = normalizePath(e.path);
    const mode = (e.mode & 0o7777) | TYPE_BITS[e.type];
    let body: Buffer = Buffer.alloc(0);
    if (e.type === "file") body = e.data ?? Buffer.alloc(0);
    else if (e.type === "symlink") {
      if (!e.target) throw new Error(`cpio: symlink ${name} has no target`);
      body = Buffer.from(e.target, "utf8");
    } else if (e.data && e.data.length > 0) throw new Error(`cpio: ${e.type} ${name} cannot carry data`);
    const rmaj = e.type === "char" ? (e.rdevMajor ?? 0) : 0;
    const rmin = e.type === "char" ? (e.rdevMinor ?? 0) : 0;
    parts.push(
      record({ ino: ino++, mode, nlink: e.type === "dir" ? 2 : 1, size: body.length, rmaj, rmin }, name, body),
    );
  }
  parts.push(record({ ino: 0, mode: 0, nlink: 1, size: 0, rmaj: 0, rmin: 0 }, "TRAILER!!!", Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** Entries for every parent directory of `paths` that is not listed yet, so an archive never relies on implicit directories. */
export function parentDirs(paths: string[], mode = 0o755): CpioEntry[] {
  const seen = new Set<string>();
  const out: CpioEntry[] = [];
  for (const p of paths) {
    const parts = normalizePath(p).split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (seen.has(dir)) continue;
      seen.add(dir);
      out.push({ path: dir, type: "dir", mode });
    }
  }
  return out;
}
