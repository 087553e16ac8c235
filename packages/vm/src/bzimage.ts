import { open, rm, stat, writeFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { filterToFile, which } from "./proc";

/**
 * Takes the uncompressed ELF `vmlinux` out of an x86 bzImage. QEMU's microvm boots that ELF
 * directly through its PVH note, which is the fastest boot measured under TCG.
 */

export type PayloadFormat = "xz" | "zstd" | "gzip";

/** Raised when the payload needs a decompressor this machine lacks, so the caller can try another kernel. */
export class MissingDecompressorError extends Error {}

const MAGIC: [PayloadFormat, Buffer][] = [
  ["xz", Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ["zstd", Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
  ["gzip", Buffer.from([0x1f, 0x8b, 0x08])],
];
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export interface Payload {
  format: PayloadFormat;
  /** the compressed stream without the 4-byte size the kernel build appends */
  data: Buffer;
  /** the uncompressed size the kernel build recorded: the decompressed output must match it */
  size: number;
}

/**
 * Locates the compressed kernel through the boot-protocol header (payload_offset/length, protocol
 * 2.08+) rather than by scanning for a magic number: the header is exact, and a magic scan can
 * hit a false match. The scan remains as a fallback for images without those fields.
 */
export function findPayload(img: Buffer): Payload {
  if (img.length < 0x250 || img.toString("ascii", 0x202, 0x206) !== "HdrS")
    throw new Error("not a bzImage (no HdrS header)");
  const version = img.readUInt16LE(0x206);
  let start = -1;
  let length = 0;
  if (version >= 0x208) {
    const setupSects = img.readUInt8(0x1f1) || 4;
    start = (setupSects + 1) * 512 + img.readUInt32LE(0x248);
    length = img.readUInt32LE(0x24c);
  }
  if (start < 0 || length < 8 || start + length > img.length) {
    const hits = MAGIC.map(([, m]) => img.indexOf(m)).filter((i) => i >= 0);
    if (hits.length === 0) throw new Error("bzImage: no known compressed payload");
    start = Math.min(...hits);
    length = img.length - start;
  }
  const body = img.subarray(start, start + length);
  const format = MAGIC.find(([, m]) => body.subarray(0, m.length).equals(m))?.[0];
  if (!format)
    throw new Error(`bzImage: unsupported payload compression (first bytes ${body.subarray(0, 6).toString("hex")})`);
  return { format, data: body.subarray(0, body.length - 4), size: body.readUInt32LE(body.length - 4) };
}

const TOOLS: Record<Exclude<PayloadFormat, "gzip">, { bin: string; args: string[]; pkg: string }> = {
  // --single-stream: stop at the end of the stream instead of treating what follows as garbage
  xz: { bin: "xz", args: ["-dc", "--single-stream"], pkg: "xz-utils" },
  zstd: { bin: "zstd", args: ["-dcq"], pkg: "zstd" },
};

async function startsWithElf(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    return head.equals(ELF_MAGIC);
  } finally {
    await fh.close();
  }
}

/** Writes the vmlinux to `outPath` and checks it: exact recorded size and ELF magic. */
export async function extractVmlinux(
  bzImage: Buffer,
  outPath: string,
): Promise<{ format: PayloadFormat; size: number }> {
  const p = findPayload(bzImage);
  try {
    if (p.format === "gzip") {
      // node:zlib reads gzip natively; xz and zstd are not in Node 20's zlib
      await writeFile(outPath, gunzipSync(p.data));
    } else {
      const tool = TOOLS[p.format];
      const bin = await which(tool.bin);
      if (!bin)
        throw new MissingDecompressorError(
          `the kernel is ${p.format}-compressed and \`${tool.bin}\` is missing (apt-get install ${tool.pkg})`,
        );
      const r = await filterToFile(bin, tool.args, p.data, outPath);
      if (r.code !== 0) throw new Error(`${tool.bin} failed (${r.code}): ${r.stderr.trim()}`);
    }
    const { size } = await stat(outPath);
    if (size !== p.size) throw new Error(`vmlinux is ${size} bytes, the bzImage recorded ${p.size}`);
    if (!(await startsWithElf(outPath))) throw new Error("vmlinux does not start with the ELF magic");
    return { format: p.format, size };
  } catch (e) {
    await rm(outPath, { force: true });
    throw e;
  }
}
