/**
 * The NixOS test driver prints every VM's serial lines to stderr as
 * ESC[2m "<machine> # <line>" ESC[0m "\n" (colorama's DIM and RESET_ALL around
 * `f"{machine} # {message}"`). This splits those lines out into one console per VM; the
 * harness console keeps the original bytes untouched. Pure: bytes in, per-VM bytes out.
 */

const DIM = Buffer.from("\x1b[2m");
const RESET_NL = Buffer.from("\x1b[0m\n");
const SEPARATOR = Buffer.from(" # ");
/** A line longer than this is not a driver line worth waiting for; stop buffering it. */
const MAX_LINE = 64 * 1024;
const MACHINE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export interface VmLine {
  console: string;
  data: Buffer;
}

export class DriverSplitter {
  private partial: Buffer = Buffer.alloc(0);
  private discarding = false;

  /** Feed stderr bytes as they come; returns the VM lines completed by them. */
  push(chunk: Buffer): VmLine[] {
    const out: VmLine[] = [];
    let buf = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    for (;;) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0) break;
      const line = buf.subarray(0, nl + 1);
      buf = buf.subarray(nl + 1);
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      const parsed = parseDriverLine(line);
      if (parsed) out.push(parsed);
    }
    if (buf.length > MAX_LINE) {
      this.discarding = true;
      buf = Buffer.alloc(0);
    }
    this.partial = Buffer.from(buf);
    return out;
  }
}

/** One complete line (with its "\n") in the driver's format, or null. */
export function parseDriverLine(line: Buffer): VmLine | null {
  if (!line.subarray(0, DIM.length).equals(DIM)) return null;
  if (!line.subarray(line.length - RESET_NL.length).equals(RESET_NL)) return null;
  const body = line.subarray(DIM.length, line.length - RESET_NL.length);
  const sep = body.indexOf(SEPARATOR);
  if (sep <= 0) return null;
  const machine = body.subarray(0, sep).toString("latin1");
  if (!MACHINE.test(machine)) return null;
  const name = machine.toLowerCase().replace(/_/g, "-");
  if (name === "harness") return null;
  return { console: name, data: Buffer.concat([body.subarray(sep + SEPARATOR.length), Buffer.from("\n")]) };
}
