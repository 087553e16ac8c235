import { readdirSync, statSync, type Dirent } from "node:fs";
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { NAME_PATTERN } from "@proofboard/domain";

/**
 * Tails serial log files a harness writes, each as a console named after the file. The glob is
 * relative to the lane's working folder, or absolute when a site overlay names a site path (the
 * test-cluster's state folder). Polling, not inotify: it works on every filesystem and a 200 ms
 * delay is well inside what a person watching a console notices.
 */
export interface SerialLogTail {
  /** reads what is left and stops */
  stop(): Promise<void>;
}

const POLL_MS = 200;
const READ_MAX = 1 << 20;
/** how many folders deep `**` goes: serial logs sit a level or two down, never at the bottom of a tree */
export const MAX_GLOB_DEPTH = 8;

type ReadDir = (dir: string) => Dirent[];
const readDirOf: ReadDir = (dir) => readdirSync(dir, { withFileTypes: true });

const hasWildcard = (seg: string) => /[*?]/.test(seg);

/** One glob segment: `*` is any run of characters, `?` one character, within a single name. */
function segmentRegExp(seg: string): RegExp {
  const body = seg
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]");
  return new RegExp(`^${body}$`);
}

/**
 * The files a glob matches, found by following it segment by segment: a literal segment is joined
 * on without reading anything, `*`/`?` read that one folder, `**` walks down at most MAX_GLOB_DEPTH
 * folders. So `/var/lib/x/state/*.log` reads one folder, never `/`. Symbolic links met by a
 * wildcard are not followed (a link loop or a link out of the folder would escape the glob).
 * Synchronous on purpose: the caller takes the baseline before the lane's process starts.
 */
export function matchGlob(root: string, glob: string, readDir: ReadDir = readDirOf): string[] {
  const base = glob.startsWith("/") ? "/" : root;
  const segments = glob.split("/").filter((s) => s !== "" && s !== ".");
  const found = new Set<string>();
  // `a/**/*.log` looks at `a` both as the `**` and as the folder of `*.log`: one read
  const listed = new Map<string, Dirent[]>();
  const list = (dir: string): Dirent[] => {
    let entries = listed.get(dir);
    if (!entries) {
      try {
        entries = readDir(dir).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch {
        entries = []; // not there yet, or not a folder
      }
      listed.set(dir, entries);
    }
    return entries;
  };
  const isFile = (file: string) => {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  const walk = (dir: string, i: number, depth: number): void => {
    const seg = segments[i];
    if (seg === undefined) return;
    const last = i === segments.length - 1;
    if (seg === "**") {
      const entries = list(dir);
      if (last) for (const e of entries) if (e.isFile()) found.add(path.join(dir, e.name));
      if (!last) walk(dir, i + 1, depth);
      if (depth < MAX_GLOB_DEPTH)
        for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name), i, depth + 1);
    } else if (!hasWildcard(seg)) {
      const next = path.join(dir, seg);
      if (!last) walk(next, i + 1, depth);
      else if (isFile(next)) found.add(next);
    } else {
      const re = segmentRegExp(seg);
      for (const e of list(dir)) {
        if (!re.test(e.name)) continue;
        if (last && e.isFile()) found.add(path.join(dir, e.name));
        else if (!last && e.isDirectory()) walk(path.join(dir, e.name), i + 1, depth);
      }
    }
  };
  walk(base, 0, 0);
  return [...found];
}

/** "work/serial/Node01.log" → "node01"; null when nothing usable is left. */
export function consoleNameForFile(file: string): string | null {
  const base = path
    .basename(file)
    .replace(/\.(log|txt|serial|out)$/i, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 64);
  return base && base !== "harness" && NAME_PATTERN.test(base) ? base : null;
}

/** Where reading a file resumes: its inode tells a replaced file from a grown one. */
interface Position {
  ino: number;
  offset: number;
}

/**
 * Tails every file the glob matches. What a file already held when the tail started is not this
 * run's (a site's state folder keeps the previous run's logs), so reading starts at its size then;
 * a file created later is read from its start, and so is one replaced (new inode) or truncated.
 */
export function tailSerialLogs(
  root: string,
  glob: string,
  write: (console: string, data: Buffer) => void,
  readDir: ReadDir = readDirOf,
  /** settles when the next read may be made (files wait on disk while storage catches up) */
  ready: () => Promise<void> = () => Promise.resolve(),
): SerialLogTail {
  const positions = new Map<string, Position>();
  for (const file of matchGlob(root, glob, readDir)) {
    try {
      const st = statSync(file);
      positions.set(file, { ino: st.ino, offset: st.size });
    } catch {
      // gone already: if it comes back it is new
    }
  }
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();

  const readNew = async (file: string, name: string) => {
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) return;
    const known = positions.get(file);
    let offset = known && known.ino === st.ino && st.size >= known.offset ? known.offset : 0;
    positions.set(file, { ino: st.ino, offset });
    if (st.size <= offset) return;
    const fh = await open(file, "r");
    try {
      while (offset < st.size) {
        await ready();
        const buf = Buffer.alloc(Math.min(READ_MAX, st.size - offset));
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) break;
        write(name, buf.subarray(0, bytesRead));
        offset += bytesRead;
        positions.set(file, { ino: st.ino, offset });
      }
    } finally {
      await fh.close();
    }
  };

  const poll = async () => {
    for (const file of matchGlob(root, glob, readDir)) {
      const name = consoleNameForFile(file);
      if (name) await readNew(file, name).catch(() => undefined);
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
