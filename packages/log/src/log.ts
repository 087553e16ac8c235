import { env } from "@proofboard/env";

/**
 * Structured logs: one JSON object per line on stdout (time, level, component, msg, then fields
 * such as runId and attempt), so a collector can follow one run across web and workers. On a
 * terminal the default is a text line, easier to read in development.
 */

export type LogLevel = "info" | "warn" | "error";
export type LogFormat = "json" | "text";
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** The same logger with fields added to every line: `.child({ runId, attempt })`. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  format?: LogFormat;
  /** where lines go; stdout by default (tests collect them) */
  write?: (line: string) => void;
  now?: () => Date;
}

/** Keys every line has; a field of the same name cannot replace them. */
const RESERVED = new Set(["time", "level", "component", "msg"]);

export function defaultLogFormat(): LogFormat {
  let configured: LogFormat | undefined;
  try {
    configured = env().PROOFBOARD_LOG_FORMAT;
  } catch {
    // an invalid environment is reported by whoever reads it first; logging must still work
  }
  return configured ?? (process.stdout.isTTY ? "text" : "json");
}

/** Errors become their message (and code); everything else goes through JSON as it is. */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return code === undefined ? value.message : { message: value.message, code };
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

function jsonLine(record: Record<string, unknown>): string {
  try {
    return JSON.stringify(record, (_key, v: unknown) => plain(v));
  } catch {
    // a cyclic field: the line still goes out, with the fields named but not shown
    const { time, level, component, msg } = record;
    return JSON.stringify({
      time,
      level,
      component,
      msg,
      unserializable: Object.keys(record).filter((k) => !RESERVED.has(k)),
    });
  }
}

/** Control characters (a hostile branch name, console text) cannot start a new line or move the cursor. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === "\n" ? "\\n" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function textValue(value: unknown): string {
  const v = plain(value);
  if (typeof v === "string") return /^[^\s"=\\]+$/.test(v) ? oneLine(v) : oneLine(JSON.stringify(v));
  try {
    return oneLine(JSON.stringify(v, (_key, x: unknown) => plain(x)) ?? String(v));
  } catch {
    return "[unserializable]";
  }
}

function textLine(record: Record<string, unknown>): string {
  const { time, level, component, msg, ...fields } = record;
  const extra = Object.entries(fields)
    .map(([k, v]) => ` ${oneLine(k)}=${textValue(v)}`)
    .join("");
  return `${String(time)} ${String(level).toUpperCase().padEnd(5)} [${oneLine(String(component))}] ${oneLine(String(msg))}${extra}`;
}

class LineLogger implements Logger {
  constructor(
    private readonly component: string,
    private readonly fields: LogFields,
    private readonly o: Required<LoggerOptions>,
  ) {}

  private emit(level: LogLevel, msg: string, fields: LogFields = {}): void {
    const record: Record<string, unknown> = { time: this.o.now().toISOString(), level, component: this.component, msg };
    for (const source of [this.fields, fields]) {
      for (const [k, v] of Object.entries(source)) if (!RESERVED.has(k) && v !== undefined) record[k] = v;
    }
    this.o.write(this.o.format === "json" ? jsonLine(record) : textLine(record));
  }

  info(msg: string, fields?: LogFields): void {
    this.emit("info", msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.emit("warn", msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.emit("error", msg, fields);
  }

  child(fields: LogFields): Logger {
    return new LineLogger(this.component, { ...this.fields, ...fields }, this.o);
  }
}

/** `logger("worker").child({ runId, attempt }).info("lane started", { host })` */
export function logger(component: string, o: LoggerOptions = {}): Logger {
  return new LineLogger(
    component,
    {},
    {
      format: o.format ?? defaultLogFormat(),
      write: o.write ?? ((line) => void process.stdout.write(`${line}\n`)),
      now: o.now ?? (() => new Date()),
    },
  );
}
