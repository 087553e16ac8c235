/** Validation of names and URLs that come from outside (a pushed branch, an operator's config). */

export type Check = { ok: true } | { ok: false; reason: string };

const OK: Check = { ok: true };
const no = (reason: string): Check => ({ ok: false, reason });

/** Our own bound: a branch name is shown in pages and logs and used in file names. */
export const MAX_REF_NAME_BYTES = 255;

const SHA_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** A full object id (SHA-1 or SHA-256), lowercase as git prints it; abbreviations are refused. */
export function isSha(s: string): boolean {
  return SHA_RE.test(s);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const FORBIDDEN_CHARS: Record<string, string> = {
  " ": "a space",
  "~": '"~"',
  "^": '"^"',
  ":": '":"',
  "?": '"?"',
  "*": '"*"',
  "[": '"["',
  "\\": '"\\"',
};

/**
 * The rules of `git check-ref-format` for `refs/heads/<name>`, in TypeScript so a name can be
 * judged without running git. A leading "-" is valid for git and accepted here: callers never pass
 * branch names as positional arguments, only SHAs or full refs.
 */
export function checkRefName(name: string): Check {
  if (name.length === 0) return no("is empty");
  if (LONE_SURROGATE.test(name)) return no("is not valid Unicode");
  if (Buffer.byteLength(name, "utf8") > MAX_REF_NAME_BYTES) return no(`is longer than ${MAX_REF_NAME_BYTES} bytes`);
  if (name === "@") return no('is "@", which git reads as HEAD');
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f)
      return no(`contains the control character 0x${code.toString(16).padStart(2, "0")}`);
    const label = FORBIDDEN_CHARS[ch];
    if (label) return no(`contains ${label}`);
  }
  if (name.includes("..")) return no('contains ".."');
  if (name.includes("@{")) return no('contains "@{"');
  if (name.startsWith("/")) return no('starts with "/"');
  if (name.endsWith("/")) return no('ends with "/"');
  if (name.includes("//")) return no('contains "//"');
  if (name.endsWith(".")) return no('ends with "."');
  for (const component of name.split("/")) {
    if (component.startsWith(".")) return no(`has a component starting with "." ("${component}")`);
    if (component.endsWith(".lock")) return no(`has a component ending with ".lock" ("${component}")`);
  }
  return OK;
}

/** Remote helpers named `<transport>::<address>`; `ext::` runs an arbitrary command. */
const HELPER_RE = /^[A-Za-z][A-Za-z0-9+.-]*::/;
const SCP_RE = /^([A-Za-z0-9._][A-Za-z0-9._-]*)@([A-Za-z0-9.][A-Za-z0-9.-]*):(.+)$/;
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * Accepts absolute local paths, `file://`, `https://`, `ssh://` and scp-like `user@host:path`.
 * Anything starting with "-" would be read by git (or ssh) as an option.
 */
export function validateRepositoryUrl(url: string): Check {
  if (url.length === 0) return no("repository URL is empty");
  if (/[\x00-\x1f\x7f]/.test(url)) return no("repository URL contains a control character");
  if (url.startsWith("-")) return no('repository URL starts with "-" (it would be read as an option)');
  const helper = HELPER_RE.exec(url);
  if (helper) return no(`repository URL uses the "${helper[0]}" remote helper, which is refused`);
  if (url.startsWith("/")) return OK;

  const scheme = SCHEME_RE.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== "file" && scheme !== "https" && scheme !== "ssh") {
      return no(
        `repository URL scheme "${scheme}://" is not supported (use https://, ssh://, file:// or an absolute path)`,
      );
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return no("repository URL is not a valid URL");
    }
    if (scheme === "file") return parsed.pathname.length > 1 ? OK : no("file:// URL has no path");
    if (!parsed.hostname) return no(`${scheme}:// URL has no host`);
    if (parsed.hostname.startsWith("-") || parsed.username.startsWith("-")) {
      return no('repository URL host or user starts with "-" (ssh would read it as an option)');
    }
    return OK;
  }

  const scp = SCP_RE.exec(url);
  if (scp) {
    if (scp[3]?.startsWith("-")) return no('repository path starts with "-"');
    return OK;
  }
  return no("repository URL must be an absolute path, file://, https://, ssh:// or user@host:path");
}
