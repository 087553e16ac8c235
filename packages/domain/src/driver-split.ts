/**
 * Splits the NixOS test driver's output into one console per VM. The harness console keeps the
 * original bytes untouched; this only copies VM lines out. Pure: bytes in, per-VM bytes out.
 *
 * The driver prints each VM's serial line as `ESC[2m<machine> # <line>ESC[0m` (colorama's DIM
 * and RESET_ALL). What reaches a worker depends on how the lane runs it:
 * - the driver itself on our pipe: the terminal form above;
 * - through nix, whose logger strips escape sequences when its stderr is not a terminal: the
 *   plain form `<machine> # <line>`;
 * - `nix build -L`: every build-log line prefixed with `<drv-name>> ` (ESC[2m … ESC[0m-wrapped on
 *   a terminal, plain through a pipe), in front of either form above.
 * The driver names each machine as it boots it (`<machine>: starting vm`). A line becomes VM
 * output only when its machine is one the lane declares or one the driver announced, so a harness
 * line that merely contains " # " (a root prompt, a Markdown heading) stays harness output.
 */

const ESC = 0x1b;
const NL = 0x0a;
const CR = 0x0d;
/** A line longer than this is not a driver line worth waiting for; stop buffering it. */
const MAX_LINE = 64 * 1024;
const MACHINE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Characters of a nix store path name, which a derivation name is. */
const DRV_NAME = /^[A-Za-z0-9+._?=-]{1,211}$/;
const SEPARATOR = Buffer.from(" # ");
/** the longest a machine name is, with its separator: a parse looks no further for it */
const NAME_REACH = 63 + 16;
const RESET = Buffer.from("\x1b[0m");
/** how the driver announces a machine: `<machine>: starting vm` */
const STARTING = ": starting vm";

export interface VmLine {
  console: string;
  data: Buffer;
}

export interface SplitResult {
  /** VM output completed by this push, in order */
  lines: VmLine[];
  /** machines the driver announced for the first time in this push, as console names */
  announced: string[];
}

/** The console name of a driver machine (`baremetal_qemu_worker` → `baremetal-qemu-worker`); null if not a usable name. */
export function machineConsole(machine: string): string | null {
  if (!MACHINE.test(machine)) return null;
  const name = machine.toLowerCase().replace(/_/g, "-");
  return name === "harness" || !/^[a-z0-9]/.test(name) ? null : name;
}

/** Length of the SGR sequences (`ESC[…m`) starting at `at`, 0 when none. */
function sgrRun(line: Buffer, at: number): number {
  let i = at;
  for (;;) {
    if (line[i] !== ESC || line[i + 1] !== 0x5b) return i - at;
    let j = i + 2;
    while (j < line.length && ((line[j]! >= 0x30 && line[j]! <= 0x39) || line[j] === 0x3b)) j++;
    if (line[j] !== 0x6d) return i - at;
    i = j + 1;
  }
}

/** Skips what a progress bar writes before a log line on a terminal: `\r` and `ESC[K` / `ESC[2K`. */
function lineClear(line: Buffer, at: number): number {
  let i = at;
  for (;;) {
    if (line[i] === CR) i++;
    else if (line[i] === ESC && line[i + 1] === 0x5b && line[i + 2] === 0x4b) i += 3;
    else if (
      line[i] === ESC &&
      line[i + 1] === 0x5b &&
      line[i + 2]! >= 0x30 &&
      line[i + 2]! <= 0x32 &&
      line[i + 3] === 0x4b
    )
      i += 4;
    else return i - at;
  }
}

/** `<drv-name>> ` (optionally after SGR sequences) at `at`: its length, 0 when none. */
function drvPrefix(line: Buffer, at: number): number {
  const i = at + sgrRun(line, at);
  // bounded: a derivation name is at most 211 characters, so a parse that fails fails fast
  const end = line.subarray(0, i + 213).indexOf("> ", i, "latin1");
  if (end <= i || end - i > 211) return 0;
  if (!DRV_NAME.test(line.toString("latin1", i, end))) return 0;
  return end + 2 - at;
}

/** Whether SGR sequences leave an attribute on (the driver's DIM), not just a reset. */
function opensStyle(sgr: Buffer): boolean {
  const last = sgr.toString("latin1").split("\x1b[").at(-1) ?? "";
  return last !== "" && last !== "m" && last !== "0m";
}

export type DriverLine = { kind: "serial"; machine: string; data: Buffer } | { kind: "announce"; machine: string };

/**
 * One complete line (with its "\n", if it had one) read as driver output, or null. `data` is the
 * VM's own line: everything after `<machine> # `, without the wrapper the driver and nix added.
 */
export function parseDriverLine(line: Buffer): DriverLine | null {
  const hasNl = line[line.length - 1] === NL;
  const body = hasNl ? line.subarray(0, -1) : line;
  // Most lines a lane prints are neither: two scans in native code decide it, not a parse per line.
  if (body.indexOf(SEPARATOR) < 0 && body.indexOf(STARTING, 0, "latin1") < 0) return null;
  // On a terminal, nix redraws its status bar in front of every log line, once per progress
  // update (`\r[2/5 built, 1 copied] building …: node01 # <its last line>ESC[K`, then
  // `\rESC[K<line>`): the driver line starts after a carriage return. The earliest start that
  // reads as one wins, so a VM line's own carriage returns stay in its bytes. Each try reads a
  // bounded stretch (a derivation and a machine name), so trying every carriage return is linear.
  for (let from = 0; ;) {
    const parsed = parseFrom(body, from, hasNl);
    if (parsed) return parsed;
    const cr = body.indexOf(CR, from + lineClear(body, from));
    if (cr < 0) return null;
    from = cr + 1;
  }
}

function parseFrom(body: Buffer, from: number, hasNl: boolean): DriverLine | null {
  let at = from + lineClear(body, from);
  const cleared = at > from;
  at += drvPrefix(body, at);
  const sgr = sgrRun(body, at);
  const dimmed = opensStyle(body.subarray(at, at + sgr));
  at += sgr;
  const reach = body.subarray(0, at + NAME_REACH);
  const sep = reach.indexOf(SEPARATOR, at);
  const colon = reach.indexOf(STARTING, at, "latin1");
  if (sep > at && (colon < 0 || sep < colon)) {
    const machine = body.toString("latin1", at, sep);
    if (!MACHINE.test(machine)) return null;
    let end = body.length;
    // The driver's RESET_ALL closes a DIM it opened; a terminal progress bar adds one more.
    for (let wrappers = (dimmed ? 1 : 0) + (cleared ? 1 : 0); wrappers > 0; wrappers--) {
      if (end - RESET.length >= sep + SEPARATOR.length && body.subarray(end - RESET.length, end).equals(RESET))
        end -= RESET.length;
    }
    const data = body.subarray(sep + SEPARATOR.length, end);
    return { kind: "serial", machine, data: hasNl ? Buffer.concat([data, Buffer.from("\n")]) : Buffer.from(data) };
  }
  if (colon > at) {
    const rest = body.toString("latin1", colon + STARTING.length).replace(/\x1b\[[0-9;]*m/g, "");
    const machine = body.toString("latin1", at, colon);
    if (rest.trim() === "" && MACHINE.test(machine)) return { kind: "announce", machine };
  }
  return null;
}

/**
 * Feeds one output stream (stdout or stderr: each needs its own, since lines of the two
 * interleave) and returns the VM lines it completes. Machines known to one splitter can be
 * shared with another through `known`.
 */
export class DriverSplitter {
  private partial: Buffer = Buffer.alloc(0);
  private discarding = false;

  /**
   * @param known console names whose lines are VM output: the lane's declared consoles; announced
   *   machines are added to it as the driver names them
   * @param reserved names whose consoles come from elsewhere (VMs the worker boots itself): never split into
   */
  constructor(
    readonly known: Set<string> = new Set(),
    private readonly reserved: ReadonlySet<string> = new Set(),
  ) {}

  push(chunk: Buffer): SplitResult {
    const out: SplitResult = { lines: [], announced: [] };
    let buf = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    // A stretch holding neither the separator nor an announcement has no driver line (see
    // parseDriverLine): skip to its last line instead of looking at every one.
    if (buf.indexOf(SEPARATOR) < 0 && buf.indexOf(STARTING, 0, "latin1") < 0) {
      const last = buf.lastIndexOf(NL);
      if (last >= 0) {
        this.discarding = false;
        buf = buf.subarray(last + 1);
      }
    }
    for (;;) {
      const nl = buf.indexOf(NL);
      if (nl < 0) break;
      const line = buf.subarray(0, nl + 1);
      buf = buf.subarray(nl + 1);
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      this.take(line, out);
    }
    if (buf.length > MAX_LINE) {
      this.discarding = true;
      buf = Buffer.alloc(0);
    }
    this.partial = Buffer.from(buf);
    return out;
  }

  /** The stream ended: a last line without "\n" still counts. */
  end(): SplitResult {
    const out: SplitResult = { lines: [], announced: [] };
    if (this.partial.length && !this.discarding) this.take(this.partial, out);
    this.partial = Buffer.alloc(0);
    this.discarding = false;
    return out;
  }

  private take(line: Buffer, out: SplitResult): void {
    const parsed = parseDriverLine(line);
    if (!parsed) return;
    const name = machineConsole(parsed.machine);
    if (!name || this.reserved.has(name)) return;
    if (parsed.kind === "announce") {
      if (!this.known.has(name)) {
        this.known.add(name);
        out.announced.push(name);
      }
    } else if (this.known.has(name)) {
      out.lines.push({ console: name, data: parsed.data });
    }
  }
}
