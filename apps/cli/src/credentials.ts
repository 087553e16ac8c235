import { chmod, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError, EXIT } from "./errors";

/**
 * The CLI's API tokens, one per API URL, in a file only its owner may read:
 * $PROOFBOARD_CONFIG_DIR, else $XDG_CONFIG_HOME/proofboard, else ~/.config/proofboard; credentials.json, mode 0600.
 */

export interface StoredToken {
  token: string;
  tokenId: string;
  user: string;
  scope: string;
  expiresAt: string;
}

type Store = Record<string, StoredToken>;

export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const dir = env.PROOFBOARD_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "proofboard");
  return join(dir, "credentials.json");
}

async function readStore(file: string): Promise<Store> {
  let text: string;
  try {
    const s = await stat(file);
    // Someone else able to read the file could act as its owner: refuse to use it rather than leak quietly.
    if ((s.mode & 0o077) !== 0) {
      throw new CliError(
        `${file} can be read by others (mode ${(s.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
        EXIT.usage,
      );
    }
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Store) : {};
  } catch {
    throw new CliError(`${file} is not valid JSON; delete it and run proofboard login again`, EXIT.usage);
  }
}

export async function storedToken(env: NodeJS.ProcessEnv, apiUrl: string): Promise<StoredToken | undefined> {
  const entry = (await readStore(credentialsPath(env)))[apiUrl];
  return entry && typeof entry.token === "string" ? entry : undefined;
}

/** Written whole to a new 0600 file, then renamed over the old: never half-written, never readable by others. */
async function writeStore(file: string, store: Store): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(store, null, 2)}\n`);
  } finally {
    await handle.close();
  }
  await chmod(tmp, 0o600);
  await rename(tmp, file).catch(async (err: unknown) => {
    await unlink(tmp).catch(() => undefined);
    throw err;
  });
}

export async function saveToken(env: NodeJS.ProcessEnv, apiUrl: string, entry: StoredToken): Promise<string> {
  const file = credentialsPath(env);
  const store = await readStore(file);
  store[apiUrl] = entry;
  await writeStore(file, store);
  return file;
}

export async function forgetToken(env: NodeJS.ProcessEnv, apiUrl: string): Promise<StoredToken | undefined> {
  const file = credentialsPath(env);
  const store = await readStore(file);
  const entry = store[apiUrl];
  if (!entry) return undefined;
  delete store[apiUrl];
  await writeStore(file, store);
  return entry;
}
