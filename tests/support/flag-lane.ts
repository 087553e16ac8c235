/**
 * A lane (node script; argv: flag file, witness file) that prints hostile lines (NUL, invalid UTF-8,
 * a multibyte character, escapes) every 40 ms until its flag file exists, then a figure
 * (boot_seconds=12.5 s), 200 more lines and a last line without a newline. Every byte it prints goes
 * to the witness file too, so a test can check the stored console against what was printed.
 */
export const flagLaneScript = `const fs = require("node:fs");
const [flag, witness] = process.argv.slice(2);
const tail = Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28]), Buffer.from(" € \\x1b[31mred\\x1b[0m\\x1b]0;t\\x07\\r\\n")]);
const out = (b) => new Promise((r) => { fs.appendFileSync(witness, b); process.stdout.write(b, r); });
(async () => {
  for (let i = 0; !fs.existsSync(flag); i++) {
    await out(Buffer.concat([Buffer.from("line " + i + " "), tail]));
    await new Promise((r) => setTimeout(r, 40));
  }
  await out(Buffer.from("PROOFBOARD_METRIC boot_seconds=12.5 s\\n"));
  for (let i = 0; i < 200; i++) await out(Buffer.concat([Buffer.from("after " + i + " "), tail]));
  await out(Buffer.from("the end, no newline"));
})();
`;
