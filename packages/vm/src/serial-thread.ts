import { Worker } from "node:worker_threads";
import { logger } from "@proofboard/log";

/**
 * Why a thread: QEMU's UART hands the guest's console to the socket one byte per write, so the
 * socket holds only ~280 bytes before QEMU gets EAGAIN (each one-byte write is charged a whole
 * buffer's overhead against the 208 KiB send limit). The guest then waits ~10 ms per character and
 * writes on; past the UART's 16-byte FIFO its bytes are dropped. A reader that pauses ~170 ms loses
 * console bytes, and the worker's event loop pauses that long under load (GC, database writes,
 * three guests booting on two cores). One thread that does nothing but accept and read keeps
 * draining while the main thread is busy; the bytes queue up in memory instead of in QEMU.
 *
 * The thread's code is plain CommonJS evaluated as a string, so it runs the same under tsx, in a
 * bundle and in tests, with no file of its own to find.
 */
const THREAD_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createServer } = require("node:net");
const { rmSync } = require("node:fs");
const ports = new Map();
const post = (msg, transfer) => parentPort.postMessage(msg, transfer);
parentPort.on("message", (m) => {
  if (m.op === "listen") {
    const port = { server: null, conn: null, queued: [] };
    ports.set(m.id, port);
    try { rmSync(m.path, { force: true }); } catch (e) { return post({ op: "error", id: m.id, message: String(e && e.message) }); }
    port.server = createServer((s) => {
      if (port.conn) return void s.destroy();
      port.conn = s;
      post({ op: "connected", id: m.id });
      s.on("data", (d) => {
        const copy = new Uint8Array(d);
        post({ op: "data", id: m.id, data: copy }, [copy.buffer]);
      });
      s.on("error", () => undefined);
      s.on("close", () => post({ op: "ended", id: m.id }));
      for (const b of port.queued.splice(0)) s.write(b);
    });
    port.server.once("error", (e) => post({ op: "error", id: m.id, message: String(e && e.message) }));
    port.server.listen(m.path, () => post({ op: "listening", id: m.id }));
  } else if (m.op === "write") {
    const port = ports.get(m.id);
    if (!port) return;
    const b = Buffer.from(m.data);
    if (port.conn) port.conn.write(b); else port.queued.push(b);
  } else if (m.op === "close") {
    const port = ports.get(m.id);
    ports.delete(m.id);
    if (port && port.conn) port.conn.destroy();
    if (port && port.server && port.server.listening) port.server.close(() => post({ op: "closed", id: m.id }));
    else post({ op: "closed", id: m.id });
  }
});
`;

export interface SerialPortHandlers {
  /** QEMU connected: from here on its last bytes are worth waiting for */
  onConnected(): void;
  onData(data: Buffer): void;
  /** the guest's side closed (QEMU exited or dropped the connection) */
  onEnded(): void;
}

export interface SerialPort {
  /** bytes for the guest's serial input; queued in the thread until QEMU has connected */
  write(data: Buffer): void;
  /** stops listening and drops the connection */
  close(): Promise<void>;
}

type FromThread =
  | { op: "listening" | "connected" | "ended" | "closed"; id: number }
  | { op: "error"; id: number; message: string }
  | { op: "data"; id: number; data: Uint8Array };

interface Entry {
  handlers: SerialPortHandlers;
  listening: { resolve(): void; reject(e: Error): void } | null;
  closed: (() => void) | null;
}

let thread: Worker | null = null;
let nextId = 1;
const entries = new Map<number, Entry>();

function theThread(): Worker {
  if (thread) return thread;
  const t = new Worker(THREAD_SOURCE, { eval: true });
  t.on("message", (m: FromThread) => {
    const e = entries.get(m.id);
    if (!e) return;
    if (m.op === "data") e.handlers.onData(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    else if (m.op === "connected") e.handlers.onConnected();
    else if (m.op === "ended") e.handlers.onEnded();
    else if (m.op === "listening") e.listening?.resolve();
    else if (m.op === "error") e.listening?.reject(new Error(`serial console socket: ${m.message}`));
    else if (m.op === "closed") {
      entries.delete(m.id);
      e.closed?.();
      if (entries.size === 0) t.unref();
    }
  });
  const gone = (why: string) => {
    logger("vm").error("the serial console reader thread stopped; open consoles end here", { why });
    thread = null;
    for (const [id, e] of entries) {
      entries.delete(id);
      e.listening?.reject(new Error(`serial console reader stopped: ${why}`));
      e.handlers.onEnded();
      e.closed?.();
    }
  };
  t.on("error", (err) => gone(err.message));
  t.on("exit", (code) => thread === t && gone(`exited with code ${code}`));
  thread = t;
  return t;
}

/**
 * Listens on a unix socket for QEMU's serial console, reading it on the serial thread. Resolves once
 * listening, so QEMU can be started and not one early byte is missed.
 */
export async function openSerialPort(path: string, handlers: SerialPortHandlers): Promise<SerialPort> {
  const t = theThread();
  const id = nextId++;
  const entry: Entry = { handlers, listening: null, closed: null };
  entries.set(id, entry);
  t.ref();
  const closePort = () =>
    new Promise<void>((resolve) => {
      if (!entries.has(id)) return resolve();
      entry.closed = resolve;
      t.postMessage({ op: "close", id });
    });
  try {
    await new Promise<void>((resolve, reject) => {
      entry.listening = { resolve, reject };
      t.postMessage({ op: "listen", id, path });
    });
  } catch (e) {
    await closePort();
    throw e;
  } finally {
    entry.listening = null;
  }
  return {
    write(data) {
      if (entries.has(id)) t.postMessage({ op: "write", id, data: new Uint8Array(data) });
    },
    close: closePort,
  };
}
