import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createWriteStream } from "node:fs";
import { access, constants } from "node:fs/promises";

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs argv (never a shell string) and collects its output; a non-zero exit is returned, not thrown, so callers decide. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; input?: Buffer; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    // A child that exits without reading its stdin makes our write fail with EPIPE; its exit status tells the story.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? Buffer.alloc(0));
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") }),
    );
  });
}

/** Like run() but a non-zero exit is an error carrying the tool's own message. */
export async function runOk(
  cmd: string,
  args: string[],
  opts: { cwd?: string; input?: Buffer; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.signal ?? r.code}): ${r.stderr.trim().slice(-2000)}`);
  return r;
}

/** `a | b` with two spawned processes and no shell; both must succeed. */
export function pipe2(a: [string, string[]], b: [string, string[]], opts: SpawnOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const pa = spawn(a[0], a[1], { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    const pb = spawn(b[0], b[1], { ...opts, stdio: ["pipe", "ignore", "pipe"] });
    let errA = "";
    let errB = "";
    pa.stderr?.on("data", (d: Buffer) => (errA += d.toString()));
    pb.stderr?.on("data", (d: Buffer) => (errB += d.toString()));
    pb.stdin?.on("error", () => undefined);
    pa.stdout?.pipe(pb.stdin);
    const done = (p: ChildProcess) =>
      new Promise<number | null>((res, rej) => {
        p.on("error", rej);
        p.on("close", (code) => res(code));
      });
    Promise.all([done(pa), done(pb)]).then(([ca, cb]) => {
      if (ca !== 0) reject(new Error(`${a[0]} failed (${ca}): ${errA.trim()}`));
      else if (cb !== 0) reject(new Error(`${b[0]} failed (${cb}): ${errB.trim()}`));
      else resolve();
    }, reject);
  });
}

/** Streams `input` through a filter (a decompressor) into a file; resolves with the exit code and stderr, the caller validates the output. */
export function filterToFile(
  cmd: string,
  args: string[],
  input: Buffer,
  outPath: string,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out = createWriteStream(outPath);
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    out.on("error", reject);
    child.stdin.on("error", () => undefined);
    child.stdout.pipe(out);
    child.stdin.end(input);
    let code: number | null = null;
    let pending = 2;
    const settle = () => {
      if (--pending === 0) resolve({ code, stderr });
    };
    child.on("close", (c) => {
      code = c;
      settle();
    });
    out.on("close", settle);
  });
}

/** Finds an executable on PATH without spawning a shell (`command -v` is a shell builtin). */
export async function which(name: string): Promise<string | null> {
  // eslint-disable-next-line no-restricted-properties -- the OS search path, as execvp would use it; not a Proofboard setting
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
    if (!dir) continue;
    const p = `${dir}/${name}`;
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return null;
}
