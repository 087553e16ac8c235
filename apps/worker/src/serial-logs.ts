import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { NAME_PATTERN } from "@proofboard/domain";

/**
 * Tails serial log files a harness writes (a glob under its working folder), each as a console
 * named after the file. Polling, not inotify: it works on every filesystem and a 200 ms delay
 * is well inside what a person watching a console notices.
 */
export interface SerialLogTail {
  /** reads what is left and stops */
  stop(): Promise<void>;
}

const POLL_MS = 200;
const READ_MAX = 1 << 20;

/** Glob segments: `*` and `?` within a segment, `**` for any depth. */
export function globToRegExp(glob: string): RegExp {
  const segs = glob.split("/");
  const re = segs
    .map((seg, i) => {
      const last = i === segs.length - 1;
      if (seg === "**") return last ? ".*" : "(?:[^/]+/)*";
      const body = seg.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
      return last ? body : `${body}/`;
    })
    .join("");
  return new RegExp(`^${re}$`);
}

/** "work/serial/Node01.log" → "node01"; null when nothing usable is left. */
export function consoleNameForFile(file: string): string | null {
  const base = path.basename(file).replace(/\.(log|txt|serial|out)$/i, "").toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+/, "").slice(0, 64);
  return base && base !== "harness" && NAME_PATTERN.test(base) ? base : null;
}

async function listFiles(root: string, dir = ""): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

export function tailSerialLogs(root: string, glob: string, write: (console: string, data: Buffer) => void): SerialLogTail {
  const re = globToRegExp(glob);
  const offsets = new Map<string, number>();
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();

  const readNew = async (rel: string, name: string) => {
    const file = path.join(root, rel);
    const size = (await stat(file).catch(() => null))?.size ?? 0;
    let offset = offsets.get(rel) ?? 0;
    if (size <= offset) return;
    const fh = await open(file, "r");
    try {
      while (offset < size) {
        const buf = Buffer.alloc(Math.min(READ_MAX, size - offset));
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) break;
        write(name, buf.subarray(0, bytesRead));
        offset += bytesRead;
      }
    } finally {
      await fh.close();
    }
    offsets.set(rel, offset);
  };

  const poll = async () => {
    for (const rel of await listFiles(root)) {
      if (!re.test(rel)) continue;
      const name = consoleNameForFile(rel);
      if (name) await readNew(rel, name);
    }
  };

  const loop = async () => {
    while (!stopped) {
      busy = poll().catch(() => undefined);
      await busy;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };
  void loop();
  return {
    async stop() {
      stopped = true;
      await busy;
      await poll().catch(() => undefined);
    },
  };
}
