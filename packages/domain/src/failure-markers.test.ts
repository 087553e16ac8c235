import { describe, expect, it } from "vitest";
import { lastShownLine, MarkerScanner, markerOf, plainLine, type ConsoleMarker } from "./failure-markers";

describe("failure markers", () => {
  it("knows a kernel panic, a failed unit, a traceback, a test-driver error and FAIL:", () => {
    expect(
      markerOf("[    7.112233] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)", []),
    ).toBe("kernel-panic");
    expect(markerOf("[FAILED] Failed to start chainfire.service - Chainfire raft member.", [])).toBe("failed-unit");
    expect(markerOf("Traceback (most recent call last):", [])).toBe("traceback");
    expect(
      markerOf('Test "Run tests" failed with error: "command `curl -f http://server` failed (exit code 7)"', []),
    ).toBe("test-error");
    expect(markerOf("error: builder for '/nix/store/abc-vm-test-run-foo.drv' failed with exit code 1;", [])).toBe(
      "test-error",
    );
    expect(
      markerOf("vm-test-run-foo> error: builder for '/nix/store/abc-vm-test-run-foo.drv' failed with exit code 1", []),
    ).toBe("test-error");
    expect(markerOf("!!! RequestedAssertionFailed: command `false` failed (exit code 1)", [])).toBe("test-error");
    expect(markerOf("!!! ", [])).toBeNull();
    expect(markerOf("[fresh-matrix] 21:00:01 FAIL: node03: fiberlb unhealthy", [])).toBe("fail");
    expect(markerOf("[  OK  ] Started chainfire.service.", [])).toBeNull();
    expect(markerOf("no FAILURES here, FAILover is fine", [])).toBeNull();
  });

  it("takes the catalog's markers as literal text, never as a pattern", () => {
    expect(markerOf("RESULT: FAIL node02 (1 unhealthy)", ["RESULT: FAIL"])).toBe("catalog");
    expect(markerOf("anything at all", ["(a+)+$"])).toBeNull();
    expect(markerOf("literal (a+)+$ here", ["(a+)+$"])).toBe("catalog");
  });

  it("reads lines across chunks, with their offsets and line numbers, escapes removed", () => {
    const s = new MarkerScanner();
    const stream = Buffer.from("ok\n\x1b[1;31m[FAILED]\x1b[0m unit\r\nfine\nKernel panic - not syncing: boom");
    const found = [...stream].flatMap((b) => s.push(Buffer.from([b])));
    found.push(...s.finish());
    expect(found).toEqual([
      { offset: 3, line: 2, kind: "failed-unit", text: "[FAILED] unit" },
      { offset: stream.indexOf("Kernel"), line: 4, kind: "kernel-panic", text: "Kernel panic - not syncing: boom" },
    ]);
    expect(s.lines).toBe(4);
  });

  it("finds the same markers whole, byte by byte and split anywhere in two", () => {
    const stream = Buffer.from(
      "boot\n\x1b[1;31m[FAILED]\x1b[0m a.service\r\nx\n\nFAIL: b\n" +
        "y".repeat(5000) +
        " FAIL: c\nTraceback (most recent call last):",
    );
    const scan = (parts: Buffer[]) => {
      const s = new MarkerScanner();
      const found = parts.flatMap((p) => s.push(p));
      return { found: [...found, ...s.finish()], lines: s.lines, newlines: s.newlines };
    };
    const whole = scan([stream]);
    expect(whole.found.map((m) => [m.line, m.kind])).toEqual([
      [2, "failed-unit"],
      [5, "fail"],
      [7, "traceback"],
    ]);
    expect([whole.lines, whole.newlines]).toEqual([7, 6]);
    expect(scan([...stream].map((b) => Buffer.from([b])))).toEqual(whole);
    for (let cut = 1; cut < stream.length; cut += 7)
      expect(scan([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(whole);
  });

  it("finds markers among thousands of plain lines whatever the chunking, CRLF or not", () => {
    const kernel = (i: number, eol: string) => `[ ${i}.000000] node01 kernel line ${i}${eol}`;
    for (const eol of ["\n", "\r\n"]) {
      const lines = Array.from({ length: 3000 }, (_, i) => kernel(i, eol));
      lines[1200] = `[FAILED] Failed to start a.service${eol}`;
      lines[2100] = `catalog marker here${eol}`;
      lines[2999] = "Kernel panic - not syncing: end";
      const stream = Buffer.from(lines.join(""));
      const scan = (size: number) => {
        const s = new MarkerScanner(["catalog marker"]);
        const found: ConsoleMarker[] = [];
        for (let at = 0; at < stream.length; at += size) found.push(...s.push(stream.subarray(at, at + size)));
        found.push(...s.finish());
        return { found, lines: s.lines };
      };
      const byLine = scan(1);
      expect(byLine.found.map((m) => [m.line, m.kind, m.offset])).toEqual([
        [1201, "failed-unit", stream.indexOf("[FAILED]")],
        [2101, "catalog", stream.indexOf("catalog marker")],
        [3000, "kernel-panic", stream.indexOf("Kernel panic")],
      ]);
      for (const size of [1000, 4096, 65_536, stream.length]) expect(scan(size), `${eol} ${size}`).toEqual(byLine);
    }
  });

  it("keeps counting lines after its limit and reads only the start of an endless line", () => {
    const s = new MarkerScanner([], 2);
    const found = s.push(Buffer.from("FAIL: a\nFAIL: b\nFAIL: c\n"));
    expect(found.map((m) => m.line)).toEqual([1, 2]);
    expect(s.lines).toBe(3);
    const long = new MarkerScanner();
    expect(
      long.push(Buffer.concat([Buffer.alloc(10_000, 0x41), Buffer.from(" Kernel panic - not syncing\n")])),
    ).toEqual([]);
    expect(long.lines).toBe(1);
  });

  it("judges what a line shows after carriage returns, however the bytes arrive", () => {
    const tqdm = Array.from({ length: 3000 }, (_, i) => `\r  ${i}/3000 [${"#".repeat(i % 40)}]`).join("");
    const stream = Buffer.from(
      "running 2/3\rFAIL: node02 unhealthy\r\n" +
        `${tqdm}\rTraceback (most recent call last):\n` +
        "FAIL: drawn over\r\x1b[Kall fine\n" +
        "[1/2 built] building\r\x1b[Kvm-test-run-x> !!! node01 died\n" +
        // only a colour reset after the carriage return: the text before it still shows
        "\x1b[31mFAIL: colored\r\x1b[0m\n" +
        "done\r\r\n",
    );
    const scan = (parts: Buffer[]) => {
      const s = new MarkerScanner();
      return [...parts.flatMap((p) => s.push(p)), ...s.finish()].map((m) => [m.line, m.kind, m.text]);
    };
    const whole = scan([stream]);
    expect(whole).toEqual([
      [1, "fail", "FAIL: node02 unhealthy"],
      [2, "traceback", "Traceback (most recent call last):"],
      [4, "test-error", "vm-test-run-x> !!! node01 died"],
      [5, "fail", "FAIL: colored"],
    ]);
    expect(scan([...stream].map((b) => Buffer.from([b])))).toEqual(whole);
    for (let cut = 1; cut < stream.length; cut += 13)
      expect(scan([stream.subarray(0, cut), stream.subarray(cut)]), `cut at ${cut}`).toEqual(whole);
    // a carriage return left hanging at the end of a chunk is a CRLF line end, not a redraw
    const crlf = new MarkerScanner();
    expect([...crlf.push(Buffer.from("x\nFAIL: split\r")), ...crlf.push(Buffer.from("\n"))]).toHaveLength(1);
  });

  it("makes hostile bytes plain text", () => {
    expect(plainLine(Buffer.from("\x1b]52;c;ZXZpbA==\x07\x1b[2J[FAILED]\x00\x07 x\u202e"))).toBe("[FAILED] x\u202e");
  });

  it("takes a run's reason from the last line that shows, not from a status bar drawn over or cleared", () => {
    const nix =
      "\r[1/2 built] building vm-test-run-x\x1b[K\r\x1b[Kerror: builder for '/nix/store/x.drv' failed with exit code 1\n" +
      "\r[1/2 built, 0 copied (0.0 MiB)] building vm-test-run-x\x1b[K\r\x1b[K";
    expect(lastShownLine(nix)).toBe("error: builder for '/nix/store/x.drv' failed with exit code 1");
    expect(lastShownLine("step 1\r\nrunning 2/3\rFAIL: node02\r\n\n  \n")).toBe("FAIL: node02");
    expect(lastShownLine("\x1b]0;title\x07\x1b[2J")).toBeNull();
  });
});
