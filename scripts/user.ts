/**
 * Proofboard accounts, run on the server by whoever runs Proofboard:
 *   pnpm exec tsx scripts/user.ts add NAME [--role viewer|operator|admin]
 *   pnpm exec tsx scripts/user.ts passwd NAME
 *   pnpm exec tsx scripts/user.ts list
 * The password comes from PROOFBOARD_PASSWORD or one line of stdin, never from argv, where any
 * local user could read it in the process list.
 */
import { spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { disconnectDb } from "@proofboard/db";
import {
  AuthInputError,
  createUser,
  isRole,
  listUsers,
  ROLES,
  setPassword,
  USER_NAME,
  type Role,
} from "@proofboard/auth";

const USAGE = `usage: user.ts add NAME [--role ${ROLES.join("|")}] | passwd NAME | list (password from PROOFBOARD_PASSWORD or stdin)`;

/** Wrong arguments or input the person can fix: exit 2, like other command-line tools. */
class UsageError extends Error {}

async function readPassword(): Promise<string> {
  const fromEnv = process.env.PROOFBOARD_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const tty = process.stdin.isTTY === true;
  // On a terminal the password must not be echoed onto the screen (or into a scrollback).
  if (tty) {
    process.stderr.write("password: ");
    spawnSync("stty", ["-echo"], { stdio: "inherit" });
  }
  try {
    const rl = createInterface({ input: process.stdin, terminal: false });
    const first = await new Promise<string | null>((resolve) => {
      rl.once("line", (line) => resolve(line));
      rl.once("close", () => resolve(null));
    });
    rl.close();
    if (first === null) throw new UsageError("no password: set PROOFBOARD_PASSWORD or pass one line on stdin");
    return first.replace(/\r$/, "");
  } finally {
    if (tty) {
      spawnSync("stty", ["echo"], { stdio: "inherit" });
      process.stderr.write("\n");
    }
  }
}

/** Checked before asking for a password, so a typo does not cost typing the password first. */
function oneName(positionals: string[]): string {
  const name = positionals[0];
  if (positionals.length !== 1 || name === undefined) throw new UsageError(USAGE);
  if (!USER_NAME.test(name)) {
    throw new UsageError(
      `invalid user name ${JSON.stringify(name.slice(0, 80))}: use 1-64 of a-z 0-9 . _ -, starting with a letter or digit`,
    );
  }
  return name;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { role: { type: "string" } } });
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : String(e)}; ${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (command !== "add" && values.role !== undefined) throw new UsageError(`--role only goes with add; ${USAGE}`);

  if (command === "add") {
    const name = oneName(positionals);
    // Least privilege by default, like the schema: operators are made on purpose.
    const role: string = values.role ?? "viewer";
    if (!isRole(role)) throw new UsageError(`invalid role ${JSON.stringify(role)}: one of ${ROLES.join(", ")}`);
    const user = await createUser({ name, password: await readPassword(), role: role satisfies Role });
    console.log(`created ${user.name} (${user.role})`);
  } else if (command === "passwd") {
    const name = oneName(positionals);
    await setPassword(name, await readPassword());
    console.log(`password of ${name} changed; its sessions were ended`);
  } else if (command === "list") {
    if (positionals.length > 0) throw new UsageError(USAGE);
    for (const u of await listUsers()) console.log(`${u.name}\t${u.role}\t${u.createdAt.toISOString()}`);
  } else {
    throw new UsageError(USAGE);
  }
}

main(process.argv.slice(2))
  .then(() => disconnectDb())
  .catch(async (e: unknown) => {
    const bad = e instanceof UsageError || e instanceof AuthInputError;
    // One line, so it reads well in a terminal and in logs; Prisma puts its actual reason last.
    const message = e instanceof Error ? e.message : String(e);
    console.error(
      `user: ${
        message
          .split("\n")
          .findLast((l) => l.trim() !== "")
          ?.trim() ?? "failed"
      }`,
    );
    await disconnectDb().catch(() => undefined);
    process.exitCode = bad ? 2 : 1;
  });
