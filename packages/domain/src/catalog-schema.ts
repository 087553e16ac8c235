import { z } from "zod";
import { HOST_CLASSES, LANE_GROUPS } from "./types";

/** Names end up in URLs, queue names, file names and argv; keeping them this plain keeps them safe everywhere. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** The console carrying the command's own stdout/stderr; a lane cannot declare a VM console of that name. */
export const HARNESS_CONSOLE = "harness";

const plainName = (what: string) =>
  z.string().regex(NAME_PATTERN, {
    error: (iss) =>
      `${what} ${JSON.stringify(iss.input)} must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit`,
  });

const text = z.string().min(1);
const textList = z.array(text);

/**
 * A lane command is argv, never a shell string: a string here would later be split or handed to a shell,
 * which is exactly what the design forbids, so it gets a message saying so.
 */
const argv = z
  .array(z.string().min(1, { error: "an argv element must be a non-empty string" }), {
    error: (iss) =>
      iss.input === undefined
        ? undefined
        : typeof iss.input === "string"
          ? "expected an array of strings (argv), not a shell string"
          : "expected an array of strings (argv)",
  })
  .min(1, { error: "command must name at least the program to run" });

const consoleName = plainName("console name").refine((name) => name !== HARNESS_CONSOLE, {
  error: `"${HARNESS_CONSOLE}" is reserved for the command's own output`,
});

const seconds = z.number().int().positive();

const RETENTION = 'expected a number of days from 1 to 3650, or "forever"';

/** A path inside the commit: relative, no "..", so a catalog cannot point the worker outside its worktree. */
const commitPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes("..") && !/[\x00-\x1f]/.test(p), {
    error: "must be a relative path inside the commit (no leading '/', no '..')",
  });

/** VMs the worker boots itself for the lane, each with its serial console captured. */
const vmsSchema = z.strictObject({
  nodes: z.array(consoleName).min(1),
  memoryMiB: z.number().int().min(64).max(65536).default(256),
  /** platform services each guest checks, e.g. chainfire, flaredb */
  services: textList.default(() => []),
  /** a folder of the commit packed into each guest at /proofboard */
  overlay: commitPath.nullable().default(null),
});

/** `{node}` is the one placeholder an operation's argv may hold; anything else in braces is a typo worth saying. */
const operationArgv = argv.refine(
  (args) => args.every((a) => (a.match(/\{[^}]*\}/g) ?? []).every((m) => m === "{node}")),
  {
    error: "the only placeholder an operation command may hold is {node}",
  },
);

const operationSchema = z
  .strictObject({
    name: plainName("operation name"),
    title: text.optional(),
    command: operationArgv,
    endsHold: z.boolean().default(false),
  })
  .transform(({ title, ...op }) => ({
    ...op,
    title: title ?? op.name,
    perNode: op.command.some((a) => a.includes("{node}")),
  }));

const operationsSchema = z.array(operationSchema).default(() => []);

/** Environment names a lane may set; Proofboard's own PROOFBOARD_* variables are not theirs to change. */
const envSchema = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error: "environment names are letters, digits and '_', not starting with a digit",
      })
      .refine((k) => !k.startsWith("PROOFBOARD_"), { error: "PROOFBOARD_* variables are set by Proofboard itself" }),
    z.string().refine((v) => !v.includes("\0"), { error: "an environment value cannot hold a NUL byte" }),
  )
  .default(() => ({}));

export const profileSchema = z.strictObject({
  id: plainName("profile id"),
  name: text,
  outputs: textList,
  requiredComponents: textList,
  optionalComponents: textList.default(() => []),
  notes: text.optional(),
  operations: operationsSchema,
});

export const laneSchema = z
  .strictObject({
    name: plainName("lane name"),
    title: text.optional(),
    description: text,
    command: argv,
    profile: z.string().nullable().default(null),
    group: z.enum(LANE_GROUPS),
    host: z.enum(HOST_CLASSES),
    timeoutSeconds: seconds,
    expectedSeconds: seconds.nullable().default(null),
    consoles: z.array(consoleName).default(() => []),
    covers: textList.default(() => []),
    needs: z.array(z.string()).default(() => []),
    vms: vmsSchema.nullable().default(null),
    /** serial logs the harness writes (a glob under its working folder), each tailed as a console */
    serialLogs: commitPath.nullable().default(null),
    /** exit codes meaning "this host cannot run me" (the harness stopped at its preflight) */
    unsupportedExitCodes: z.array(z.number().int().min(1).max(255)).default(() => []),
    env: envSchema,
    failureMarkers: z
      .array(z.string().min(3, { error: "a failure marker needs at least 3 characters" }).max(200))
      .max(50)
      .default(() => []),
    operations: operationsSchema,
    /** days a run's console bytes are kept ("forever": never dropped); null: the site's default */
    consoleRetentionDays: z
      .union(
        [
          z
            .number({ error: RETENTION })
            .int({ error: RETENTION })
            .min(1, { error: RETENTION })
            .max(3650, { error: RETENTION }),
          z.literal("forever", { error: RETENTION }),
        ],
        { error: RETENTION },
      )
      .nullable()
      .default(null),
    triggers: z
      .strictObject({
        push: z.boolean().default(false),
        schedule: z
          .string()
          .regex(/^[0-9*/,-]+( [0-9*/,-]+){4,5}$/, { error: 'must be a cron pattern such as "0 2 * * *"' })
          .nullable()
          .default(null),
        branches: z.array(z.string().min(1)).default(() => ["main"]),
      })
      .default(() => ({ push: false, schedule: null, branches: ["main"] })),
  })
  .transform(({ title, ...lane }) => ({
    ...lane,
    title: title ?? lane.name,
    // A VM the worker boots is a console of the lane whether or not it was also listed.
    consoles: [...lane.consoles, ...(lane.vms?.nodes ?? []).filter((n) => !lane.consoles.includes(n))],
  }));

export const gateSchema = z.strictObject({
  id: plainName("gate id"),
  name: text,
  description: z.string().default(""),
  // an empty gate would be vacuously green and could make a branch release-ready with nothing proven
  lanes: z.array(z.string()).min(1),
  release: z.boolean().default(false),
});

export const catalogSchema = z.strictObject({
  version: z.literal(1),
  name: text,
  profiles: z.array(profileSchema).default(() => []),
  lanes: z.array(laneSchema).min(1),
  gates: z.array(gateSchema).default(() => []),
});

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return `${typeof value} ${value}`;
  return typeof value;
}

type RawIssue = z.core.$ZodRawIssue;

export const MISSING_FIELD = "missing required field";

/** Zod's defaults ("Invalid input: expected array, received string") talk about JS values; these talk about the YAML. */
export function describeIssue(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return MISSING_FIELD;
      if (iss.expected === "int") return `expected a whole number, got ${kindOf(iss.input)}`;
      if (iss.expected === "object") return `expected a mapping, got ${kindOf(iss.input)}`;
      return `expected ${iss.expected}, got ${kindOf(iss.input)}`;
    case "invalid_value": {
      const values = iss.values.map((v) => JSON.stringify(v));
      const expected = values.length === 1 ? values[0] : `one of ${values.join(", ")}`;
      return `expected ${expected}, got ${kindOf(iss.input)}`;
    }
    case "invalid_key":
      // zod says "Invalid key in record"; the key's own rule says what is wrong with it
      return iss.issues[0]?.message;
    case "too_small":
      if (iss.origin === "array") return `must have at least ${String(iss.minimum)} item(s)`;
      if (iss.origin === "string") return "must not be empty";
      return `must be ${iss.inclusive ? "at least" : "greater than"} ${String(iss.minimum)}`;
    default:
      return undefined;
  }
}
