import { execFile, type ExecFileException } from "node:child_process";

/** Git's output can be a whole blob or a long ref listing; Node's 1 MiB default is far too small. */
export const GIT_MAX_BUFFER = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
const STDERR_LIMIT = 4000;

/**
 * Inherited variables that would point git at another repository or inject configuration.
 * A test or worker started from inside a git hook inherits GIT_DIR, and every command here would
 * then silently act on that repository instead of the one in `cwd`.
 */
const STRIPPED_ENV = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
  "GIT_QUARANTINE_PATH",
  "GIT_CONFIG_PARAMETERS",
  "GIT_CONFIG_COUNT",
];

export interface RunGitOptions {
  cwd?: string;
  input?: Buffer | string;
  timeoutMs?: number;
  encoding?: "utf8" | "buffer";
  /** extra variables (e.g. GIT_AUTHOR_DATE); they win over the defaults below */
  env?: Record<string, string>;
}

export class GitError extends Error {
  override readonly name = "GitError";
  constructor(
    message: string,
    /** full argv including "git", for logs; never re-run through a shell */
    readonly argv: readonly string[],
    /** null when git did not exit by itself (timeout, signal, not found) */
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** The subcommand names the failure ("git fetch failed"), skipping global options such as `-c k=v`. */
export function subcommandOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "-c" || arg === "-C") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return "";
}

function gitEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  // eslint-disable-next-line no-restricted-properties -- git inherits the environment (HOME, SSH agent, proxies) minus what could redirect it
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of STRIPPED_ENV) delete env[key];
  for (const key of Object.keys(env)) if (/^GIT_CONFIG_(KEY|VALUE)_\d+$/.test(key)) delete env[key];
  return {
    ...env,
    // Never wait for a password on a terminal nobody watches.
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "",
    SSH_ASKPASS: "",
    // Messages are parsed and shown; keep them in one language.
    LC_ALL: "C",
    // Only the transports validateRepositoryUrl admits; `ext::` would run a command.
    GIT_ALLOW_PROTOCOL: "file:https:ssh",
    ...extra,
  };
}

function describeFailure(sub: string, err: ExecFileException, stderr: string, timeoutMs: number): string {
  const what = `git ${sub}`.trim();
  if (err.code === "ENOENT") return `${what} failed: the git executable was not found`;
  if (err.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")
    return `${what} failed: output exceeded ${GIT_MAX_BUFFER} bytes`;
  if (err.killed && err.signal) return `${what} timed out after ${timeoutMs} ms`;
  if (stderr) return `${what} failed: ${stderr}`;
  return typeof err.code === "number" ? `${what} failed with exit code ${err.code}` : `${what} failed: ${err.message}`;
}

export function runGit(args: string[], opts: RunGitOptions & { encoding: "buffer" }): Promise<Buffer>;
export function runGit(args: string[], opts?: RunGitOptions & { encoding?: "utf8" }): Promise<string>;
export function runGit(args: string[], opts: RunGitOptions = {}): Promise<string | Buffer> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args,
      { cwd: opts.cwd, env: gitEnv(opts.env), maxBuffer: GIT_MAX_BUFFER, timeout: timeoutMs, encoding: "buffer" },
      (err, stdout, stderrBuf) => {
        if (!err) {
          resolve(opts.encoding === "buffer" ? stdout : stdout.toString("utf8"));
          return;
        }
        let stderr = stderrBuf.toString("utf8").trim();
        if (stderr.length > STDERR_LIMIT) stderr = `${stderr.slice(0, STDERR_LIMIT)}…`;
        const code = typeof err.code === "number" ? err.code : null;
        reject(
          new GitError(describeFailure(subcommandOf(args), err, stderr, timeoutMs), ["git", ...args], code, stderr),
        );
      },
    );
    // git may exit before reading its input (e.g. a bad argument); the exit status tells the story.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(opts.input);
  });
}
