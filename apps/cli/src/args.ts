import { UsageError } from "./errors";

/**
 * Argument parsing by hand rather than node:util parseArgs: names (branches, lanes) are data that
 * may start with "-", so `--` must end options, and an option's value is taken verbatim even when
 * it looks like an option (`--branch -rf`).
 */

export interface CommandSpec {
  name: string;
  /** positional arguments, all required */
  args: readonly string[];
  flags: readonly string[];
  /** options that take a value */
  options: readonly string[];
  summary: string;
}

const JSON_FLAG = ["json"] as const;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "branches",
    args: [],
    flags: JSON_FLAG,
    options: ["filter"],
    summary: "READY / NOT READY per branch (name containing F), gates, missing lanes",
  },
  {
    name: "status",
    args: ["BRANCH"],
    flags: JSON_FLAG,
    options: [],
    summary:
      "BRANCH's head commit against every gate, lane by lane (exit 1 unless READY, 2 if its catalog cannot be read)",
  },
  {
    name: "lanes",
    args: [],
    flags: JSON_FLAG,
    options: ["branch"],
    summary: "the catalog in force (at B's head, else the default)",
  },
  {
    name: "runs",
    args: [],
    flags: JSON_FLAG,
    options: ["status", "lane", "branch", "requester", "host", "before", "limit"],
    summary: "recent runs, newest first, filtered (see runs filters below)",
  },
  {
    name: "rerun",
    args: ["BRANCH", "LANE"],
    flags: ["wait", "json"],
    options: [],
    summary: "queue LANE on BRANCH's head commit; prints the run id",
  },
  {
    name: "missing",
    args: ["BRANCH"],
    flags: JSON_FLAG,
    options: ["gate"],
    summary: "queue what BRANCH's release gates (or gate G) miss, needs first",
  },
  {
    name: "timeline",
    args: ["BRANCH"],
    flags: JSON_FLAG,
    options: ["gate", "limit"],
    summary: "when BRANCH (or gate G) turned READY / NOT READY, newest first, and by which commit and run",
  },
  {
    name: "run",
    args: ["RUN"],
    flags: JSON_FLAG,
    options: [],
    summary: "one run: how it ended, each console's verdict and first failure (exit 1 unless it passed)",
  },
  {
    name: "console",
    args: ["RUN"],
    flags: ["follow"],
    options: ["console"],
    summary: "a console's raw bytes on stdout (default: harness)",
  },
  {
    name: "search",
    args: ["RUN", "TEXT"],
    flags: JSON_FLAG,
    options: [],
    summary: "TEXT in every console of RUN: count per console, NAME:LINE: matching lines",
  },
  {
    name: "diff",
    args: ["RUN"],
    flags: JSON_FLAG,
    options: ["console"],
    summary: "each console (VMs first; or NAME) against the lane's last good run: first differing lines",
  },
  { name: "hosts", args: [], flags: JSON_FLAG, options: [], summary: "worker hosts, their classes and slots" },
  { name: "sync", args: [], flags: JSON_FLAG, options: [], summary: "fetch branches from git now" },
  {
    name: "audit",
    args: [],
    flags: JSON_FLAG,
    options: ["run", "actor", "limit"],
    summary: "the audit log, newest first (admins)",
  },
  { name: "hooks", args: [], flags: JSON_FLAG, options: [], summary: "outgoing webhooks and commit statuses (admins)" },
  {
    name: "deliveries",
    args: ["HOOK"],
    flags: JSON_FLAG,
    options: ["limit"],
    summary: 'what was sent to hook HOOK (or "forge"), answers and retries, newest first (admins)',
  },
  { name: "redeliver", args: ["ID"], flags: [], options: [], summary: "send delivery ID again now (admins)" },
  {
    name: "login",
    args: [],
    flags: [],
    options: ["name", "scope", "days"],
    summary: "trade your password for an API token, kept in ~/.config/proofboard (mode 0600)",
  },
  { name: "logout", args: [], flags: [], options: [], summary: "revoke the stored token and forget it" },
  {
    name: "whoami",
    args: [],
    flags: JSON_FLAG,
    options: [],
    summary: "who the API takes you for, and with which token",
  },
  {
    name: "tokens",
    args: [],
    flags: JSON_FLAG,
    options: ["user"],
    summary: "your API tokens (admins: --user NAME, or '*' for all)",
  },
  {
    name: "token-create",
    args: ["NAME"],
    flags: [],
    options: ["scope", "days", "user"],
    summary: "a new token (default read, 90 days), printed once on stdout",
  },
  { name: "token-revoke", args: ["ID"], flags: [], options: [], summary: "revoke a token (yours; admins: anyone's)" },
  { name: "help", args: [], flags: [], options: [], summary: "this text, or one command's" },
];

/** Accepted by every command. */
const GLOBAL_OPTIONS = ["repository"];

const OPTION_VALUE: Record<string, string> = {
  filter: "F",
  branch: "B",
  lane: "L",
  status: "S",
  requester: "WHO",
  host: "NAME",
  before: "RUN",
  limit: "N",
  console: "NAME",
  repository: "NAME",
  gate: "G",
  run: "RUN",
  actor: "NAME",
  name: "USER",
  scope: "read|operate|admin",
  days: "N",
  user: "NAME",
};

export function commandUsage(spec: CommandSpec): string {
  const parts = [`proofboard ${spec.name}`, ...spec.args];
  if (spec.name === "help") parts.push("[COMMAND]");
  for (const o of spec.options) parts.push(`[--${o} ${OPTION_VALUE[o] ?? "VALUE"}]`);
  for (const f of spec.flags) parts.push(`[--${f}]`);
  return parts.join(" ");
}

export type Parsed =
  | { kind: "help"; topic: CommandSpec | null }
  | { kind: "command"; spec: CommandSpec; args: string[]; flags: Set<string>; options: Map<string, string> };

interface Token {
  option: string;
  /** `--name=value`; a separate value is picked up once the option's arity is known */
  inlineValue: string | undefined;
}

export function parseArgs(argv: readonly string[]): Parsed {
  const positionals: string[] = [];
  const tokens: Token[] = [];
  const valueOf = new Map<Token, string>();
  let help = false;
  let badShort: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-h" || a === "--help") {
      help = true;
    } else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const token: Token = {
        option: eq < 0 ? a.slice(2) : a.slice(2, eq),
        inlineValue: eq < 0 ? undefined : a.slice(eq + 1),
      };
      tokens.push(token);
      // Whether an option takes a value does not depend on the command, so it can be decided before the command is known.
      if (takesValue(token.option) && token.inlineValue === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`option --${token.option} needs a value`, null);
        valueOf.set(token, argv[++i]!);
      }
    } else if (a.startsWith("-") && a !== "-") {
      badShort ??= a;
    } else {
      positionals.push(a);
    }
  }

  const name = positionals.shift();
  if (name === undefined) {
    if ((tokens.length > 0 || badShort !== undefined) && !help) throw new UsageError("missing COMMAND", null);
    return { kind: "help", topic: null };
  }
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(name)}`, null);
  if (spec.name === "help") return helpTopic(positionals);
  if (help) return { kind: "help", topic: spec };
  if (badShort !== undefined) {
    throw new UsageError(
      `unknown option ${JSON.stringify(badShort)} (to pass a name that starts with "-", put it after --)`,
      spec,
    );
  }

  const flags = new Set<string>();
  const options = new Map<string, string>();
  for (const t of tokens) {
    const isFlag = spec.flags.includes(t.option);
    const isOption = spec.options.includes(t.option) || GLOBAL_OPTIONS.includes(t.option);
    if (!isFlag && !isOption) throw new UsageError(`unknown option --${t.option} for ${spec.name}`, spec);
    if (isFlag) {
      if (t.inlineValue !== undefined) throw new UsageError(`option --${t.option} takes no value`, spec);
      flags.add(t.option);
      continue;
    }
    if (options.has(t.option)) throw new UsageError(`option --${t.option} given twice`, spec);
    options.set(t.option, t.inlineValue ?? valueOf.get(t)!);
  }
  if (positionals.length !== spec.args.length) {
    const what =
      positionals.length < spec.args.length
        ? `missing ${spec.args.slice(positionals.length).join(" ")}`
        : `too many arguments`;
    throw new UsageError(`${spec.name}: ${what}`, spec);
  }
  return { kind: "command", spec, args: positionals, flags, options };
}

function takesValue(option: string): boolean {
  return GLOBAL_OPTIONS.includes(option) || COMMANDS.some((c) => c.options.includes(option));
}

function helpTopic(rest: string[]): Parsed {
  if (rest.length > 1) throw new UsageError("help: too many arguments", null);
  if (rest.length === 0) return { kind: "help", topic: null };
  const topic = COMMANDS.find((c) => c.name === rest[0]);
  if (!topic) throw new UsageError(`unknown command ${JSON.stringify(rest[0])}`, null);
  return { kind: "help", topic };
}

export function helpText(topic: CommandSpec | null): string {
  if (topic) return `usage: ${commandUsage(topic)}\n\n  ${topic.summary}\n\n${OPTIONS_TEXT}`;
  const column = 42;
  const lines = COMMANDS.map((c) => {
    const u = commandUsage(c).replace(/^proofboard /, "");
    return u.length <= column - 2 ? `  ${u.padEnd(column)}${c.summary}` : `  ${u}\n  ${" ".repeat(column)}${c.summary}`;
  });
  return `proofboard: the release-readiness console, from the command line

usage: proofboard COMMAND [options] [--] [arguments]

commands:
${lines.join("\n")}

${OPTIONS_TEXT}`;
}

const OPTIONS_TEXT = `options:
  --repository NAME  the target repository (env PROOFBOARD_REPOSITORY; default: the server's)
  --json             print the API's JSON instead of a table
  --wait             (rerun) follow the run, status changes on stderr; exit 0 only if it passed
  --follow           (console) keep writing bytes until the run has ended
  --                 ends options: what follows is data (proofboard status -- -rf)
  -h, --help         this text

environment:
  PROOFBOARD_API_URL     the web app serving the API (default http://localhost:3000)
  PROOFBOARD_REPOSITORY  as --repository
  PROOFBOARD_TOKEN       an API token (pb_…); wins over the one proofboard login stored
  PROOFBOARD_CONFIG_DIR  where login keeps tokens (default ~/.config/proofboard)

Changing things (rerun, missing, sync) needs an operator's token: proofboard login.

RUN is a run id or a unique prefix of one, 8 hex digits or more (proofboard run 1234abcd).

runs filters (all together narrow the list, as on the web's runs page):
  --status S     failed (failed, timed_out, lost, error), active (waiting, queued, running),
                 stopped (canceled, skipped, unsupported), or one status: passed, timed_out, ...;
                 a comma list takes any of them (--status timed_out,lost)
  --lane L, --branch B
  --requester WHO  who started it: a person's name, or push, sync, schedule, retry, needed,
                 manual, missing (user:NAME for a person named like one)
  --host NAME    the host it ran on, as proofboard hosts names it
  --before RUN   the page after RUN (the last id of the page before); --limit N per page

exit status: 0 ok; 1 the run did not pass, the branch is NOT READY (status, with --json
too), or the API failed; 2 usage error, or unknown branch, lane, run or console, or an
ambiguous run id prefix; 3 the API is unreachable (start it: bash scripts/start.sh);
4 not allowed: log in (proofboard login) or ask for the role the message names.
branches exits 0 whatever the verdicts (it lists many): ask status BRANCH for one.
`;
