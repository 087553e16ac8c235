// The demo's stand-in for UltraCloud's `nix run ./nix/test-cluster#cluster -- <command>`, the
// Operational Commands of testing.md, acting on the real guests of a held run:
//
//   node lanes/test-cluster.mjs status       every VM: running or exited, pid, uptime, its verdict line
//   node lanes/test-cluster.mjs logs NODE    NODE's serial console so far
//   node lanes/test-cluster.mjs ssh NODE     an interactive shell in NODE (its second serial port;
//                                            the third carries the terminal's size)
//   node lanes/test-cluster.mjs stop         ends every held guest: each reports its own verdict
//   node lanes/test-cluster.mjs clean        stop, then remove the cluster's serial logs
//
// Proofboard's worker exports PROOFBOARD_VM_STATE: a folder with one NODE.json (pid, ssh socket,
// serial log, exit) and NODE.log per guest it booted. Node.js only, so any worker host runs it.
// The guest side of `ssh` and `stop` is serve_ssh in Proofboard's scripts/guest/init.sh.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const USAGE = "usage: test-cluster status | logs NODE | ssh NODE | stop | clean";
const dir = process.env.PROOFBOARD_VM_STATE;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function die(message, code = 2) {
  process.stderr.write(`test-cluster: ${message}\n`);
  process.exit(code);
}

function nodes() {
  if (!dir)
    die("no cluster here: PROOFBOARD_VM_STATE is unset (Proofboard sets it for lanes with VMs and their operations)");
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .filter((n) => NODE_NAME.test(n));
  return names.sort().map(state);
}

function state(name) {
  try {
    return JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
  } catch {
    return null;
  }
}

function node(name) {
  const all = nodes();
  const found = NODE_NAME.test(name ?? "") ? all.find((n) => n?.name === name) : undefined;
  if (!found)
    die(
      `unknown node ${JSON.stringify(name ?? "")}; this cluster has: ${all.map((n) => n?.name).join(", ") || "no VMs"}`,
    );
  return found;
}

const alive = (pid) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The guest's serial console so far, without colours; null once `clean` removed it. */
function serialText(n) {
  try {
    return readFileSync(n.serialLog, "latin1").replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
  } catch {
    return null;
  }
}

/** The guest's own verdict line: what it found, whatever happens to it next. */
function verdictLine(n) {
  const text = serialText(n);
  if (text === null) return "serial log removed";
  return text.match(/RESULT: [^\r\n]*/g)?.at(-1) ?? "no verdict yet";
}

/** A held guest serves ssh once it has printed its verdict and held its console. */
function sshState(n, running) {
  if (!running || !n.shellSocket) return "-";
  return serialText(n)?.includes("is held for inspection") ? "ready" : "not yet";
}

function uptime(n) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(n.bootedAt)) / 1000));
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

function status() {
  const rows = nodes()
    .filter(Boolean)
    .map((n) => {
      const running = alive(n.pid);
      const how = n.exit
        ? `exited ${n.exit.passed ? "(passed)" : `(failed, QEMU ${n.exit.signal ?? `exit ${n.exit.code}`})`}`
        : running
          ? "running"
          : "gone";
      return [
        n.name,
        how,
        running ? String(n.pid) : "-",
        running ? uptime(n) : "-",
        sshState(n, running),
        verdictLine(n),
      ];
    });
  const table = [["NODE", "STATE", "PID", "UP", "SSH", "GUEST VERDICT"], ...rows];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  for (const r of table) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  "));
  if (rows.length === 0) console.log("no VMs in this cluster");
}

function logs(name) {
  process.stdout.write(readFileSync(node(name).serialLog));
}

/**
 * Opens NODE's ssh channel and waits until its guest serves it: first ends a session a killed
 * client may have left open, then asks until the guest answers (it serves once it is held).
 */
async function channel(n, quiet, patienceMs = 60_000) {
  if (!n.shellSocket || !alive(n.pid)) return { error: `${n.name} is not running, or not held (no ssh channel)` };
  const sock = createConnection(n.shellSocket);
  let buf = Buffer.alloc(0);
  const onData = (d) => (buf = Buffer.concat([buf, d]).subarray(-65536));
  sock.on("data", onData);
  const failed = new Promise((r) => sock.once("error", (e) => r(e.message)));
  sock.write("\x03\nexit\n");
  const started = Date.now();
  for (let said = false; !buf.includes("proofboard-pong");) {
    const waited = Date.now() - started;
    if (waited > patienceMs)
      return {
        error: `${n.name} did not answer on its ssh channel within ${patienceMs / 1000} s (another session open?)`,
      };
    if (waited > 3000 && !said && !quiet) {
      said = true;
      process.stderr.write(
        `waiting for ${n.name}'s ssh channel (the guest serves it once held; one session at a time)…\r\n`,
      );
    }
    sock.write("proofboard-ping\n");
    const error = await Promise.race([failed, sleep(300)]);
    if (typeof error === "string") return { error: `cannot reach ${n.name}: ${error}` };
  }
  sock.off("data", onData);
  return { sock, pending: () => buf };
}

/** Waits for `marker` in what the socket sends; resolves with the bytes after it. */
function after(sock, marker, initial) {
  return new Promise((resolve) => {
    let buf = initial;
    const check = () => {
      const at = buf.indexOf(marker);
      if (at < 0) return false;
      sock.off("data", onData);
      resolve(buf.subarray(at + marker.length));
      return true;
    };
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      check();
    };
    if (!check()) sock.on("data", onData);
  });
}

/**
 * Raw like ssh's own: keystrokes pass as they are, and output too (Node's raw mode keeps turning
 * "\n" into "\r\n", which would double the guest's own "\r\n"; stty is on every host).
 */
function rawTerminal(on) {
  if (!process.stdin.isTTY) return;
  process.stdin.setRawMode(on);
  spawnSync("stty", [on ? "-opost" : "opost"], { stdio: ["inherit", "ignore", "ignore"] });
}

async function ssh(name) {
  const n = node(name);
  const opened = await channel(n, false);
  if (opened.error) die(`ssh: ${opened.error}`, 255);
  const { sock } = opened;
  const token = randomBytes(8).toString("hex");
  const rows = process.stdout.rows || 24;
  const cols = process.stdout.columns || 80;
  sock.write(`proofboard-ssh ${rows} ${cols} ${token}\n`);
  let first = await after(sock, "proofboard-ssh-begin", Buffer.alloc(0));
  first = first.subarray(first.indexOf("\n") + 1);
  // The session's end is an escape sequence terminals ignore. What could be its beginning is held
  // back a moment (it comes in one write), so the marker is not shown; a split one is still found.
  const end = Buffer.from(`\x1b]proofboard-ssh-end;${token}\x07`);
  let held = Buffer.alloc(0);
  let shown = Buffer.alloc(0);
  let flush = null;
  const show = (b) => {
    process.stdout.write(b);
    shown = Buffer.concat([shown, b]).subarray(-end.length);
  };
  const forward = (d) => {
    clearTimeout(flush);
    const buf = Buffer.concat([held, d]);
    const at = Buffer.concat([shown, buf]).indexOf(end);
    if (at >= 0) {
      show(buf.subarray(0, Math.max(0, at - shown.length)));
      process.stderr.write(`Connection to ${n.name} closed.\r\n`);
      rawTerminal(false);
      process.exit(0);
    }
    let keep = Math.min(end.length - 1, buf.length);
    while (keep > 0 && !buf.subarray(buf.length - keep).equals(end.subarray(0, keep))) keep--;
    held = buf.subarray(buf.length - keep);
    show(buf.subarray(0, buf.length - keep));
    if (held.length) {
      flush = setTimeout(() => {
        show(held);
        held = Buffer.alloc(0);
      }, 100);
    }
  };
  sock.on("data", forward);
  forward(first);
  // The terminal's size follows the person's: the guest's window-size port carries it to the session.
  if (n.winsizeSocket) {
    const winsize = createConnection(n.winsizeSocket).on("error", () => undefined);
    process.stdout.on("resize", () => winsize.write(`${process.stdout.rows} ${process.stdout.columns}\n`));
  }
  sock.on("close", () => {
    process.stderr.write(`\r\nConnection to ${n.name} closed by remote host.\r\n`);
    rawTerminal(false);
    process.exit(255);
  });
  // Raw: ^C, ^D and arrows go to the guest's line, whose own terminal settings decide what they do.
  rawTerminal(true);
  process.stdin.on("data", (d) => sock.write(d));
  process.stdin.on("end", () => sock.write("\x04"));
  // A hung-up terminal (the operation stopped, the hold ending) ends the guest's shell too.
  for (const sig of ["SIGHUP", "SIGTERM"]) {
    process.on(sig, () => {
      sock.end("\x03\nexit\n", () => process.exit(sig === "SIGHUP" ? 129 : 143));
      setTimeout(() => process.exit(1), 1000).unref();
    });
  }
}

/** Ends one held guest the way `exit` in its console would: it then reports its own verdict. */
async function stopNode(n) {
  if (n.exit || !alive(n.pid)) return `${n.name}: already stopped (${verdictLine(n)})`;
  const opened = await channel(n, true, 20_000);
  if (opened.error) return `${n.name}: not stopped: ${opened.error}`;
  opened.sock.write("proofboard-release\n");
  await after(opened.sock, "proofboard-released", opened.pending());
  opened.sock.destroy();
  for (const started = Date.now(); Date.now() - started < 30_000; await sleep(200)) {
    const now = state(n.name);
    if (now?.exit) return `${n.name}: stopped; ${now.exit.passed ? "passed" : "failed"} (${verdictLine(n)})`;
  }
  return `${n.name}: released, but its VM has not exited within 30 s`;
}

async function stop() {
  const all = nodes().filter(Boolean);
  const lines = await Promise.all(all.map((n) => stopNode(n).then((line) => (console.log(line), line))));
  return lines.every((l) => !/not stopped|not exited/.test(l));
}

async function clean() {
  const ok = await stop();
  for (const n of nodes().filter(Boolean)) {
    if (statSync(n.serialLog, { throwIfNoEntry: false })) {
      rmSync(n.serialLog);
      console.log(`removed ${n.name}'s serial log (Proofboard keeps its console)`);
    }
  }
  return ok;
}

// A terminal that went away must not turn into a crash report.
process.stdout.on("error", () => undefined);
const [command, arg, ...extra] = process.argv.slice(2);
if (extra.length) die(USAGE);
if (command === "status" && !arg) status();
else if (command === "logs" && arg) logs(arg);
else if (command === "ssh" && arg) await ssh(arg);
else if (command === "stop" && !arg) process.exitCode = (await stop()) ? 0 : 1;
else if (command === "clean" && !arg) process.exitCode = (await clean()) ? 0 : 1;
else die(USAGE);
