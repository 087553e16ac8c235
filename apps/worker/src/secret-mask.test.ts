import { describe, expect, it } from "vitest";
import { MASK, SecretMasker } from "./secret-mask";

const b = (s: string) => Buffer.from(s, "utf8");

/** The stream cut into `chunks`, through one masker, and joined again. */
function through(values: (string | Buffer)[], chunks: Buffer[]): Buffer {
  const m = new SecretMasker(values);
  return Buffer.concat([...chunks.map((c) => m.push(c)), m.end()]);
}

/** Obviously right and slow: mark every byte of every occurrence, then one mask per run of marked bytes. */
function reference(values: Buffer[], data: Buffer): Buffer {
  const marked = new Array<boolean>(data.length).fill(false);
  for (const v of values.filter((x) => x.length >= 4)) {
    for (let i = 0; i + v.length <= data.length; i++) {
      if (data.subarray(i, i + v.length).equals(v)) marked.fill(true, i, i + v.length);
    }
  }
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i++) {
    if (!marked[i]) out.push(data.subarray(i, i + 1));
    else if (i === 0 || !marked[i - 1]) out.push(MASK);
  }
  return Buffer.concat(out);
}

describe("SecretMasker", () => {
  it("with no values, hands every chunk back as it is", () => {
    const m = new SecretMasker([]);
    const chunk = b("anything at all");
    expect(m.active).toBe(false);
    expect(m.push(chunk)).toBe(chunk);
    expect(m.end().length).toBe(0);
  });

  it("hands back a chunk that holds no value and ends in no value's beginning without copying it", () => {
    const m = new SecretMasker(["hunter22"]);
    const chunk = b("plain output\n");
    expect(m.push(chunk)).toBe(chunk);
  });

  it("masks a value split at every possible position", () => {
    const secret = "s3cr3t-t0ken";
    const text = `before ${secret} after`;
    for (let cut = 0; cut <= text.length; cut++) {
      const out = through([secret], [b(text.slice(0, cut)), b(text.slice(cut))]);
      expect(out.toString(), `cut at ${cut}`).toBe("before *** after");
    }
  });

  it("masks a value arriving one byte at a time", () => {
    const text = "x=abcd1234;y=abcd1234abcd1234;z=abcd123";
    const chunks = [...b(text)].map((byte) => Buffer.from([byte]));
    expect(through(["abcd1234"], chunks).toString()).toBe("x=***;y=***;z=abcd123");
  });

  it("holds back only bytes that may begin a value, until the stream says otherwise", () => {
    const m = new SecretMasker(["abcd1234"]);
    expect(m.push(b("token: ab")).toString()).toBe("token: ");
    expect(m.push(b("cd")).toString()).toBe("");
    expect(m.push(b("-not it")).toString()).toBe("abcd-not it");
    expect(m.push(b("prompt abc")).toString()).toBe("prompt ");
    expect(m.end().toString()).toBe("abc");
  });

  it("masks a value at the very end of the stream, and flushes an unfinished beginning at the end", () => {
    expect(through(["tail-secret"], [b("ends with tail-secret")]).toString()).toBe("ends with ***");
    expect(through(["tail-secret"], [b("ends with tail-sec")]).toString()).toBe("ends with tail-sec");
  });

  it("masks overlapping and adjacent values as one, without showing the end of either", () => {
    const values = ["abcdef", "defXYZ"];
    expect(through(values, [b("xxabcdefXYZyy")]).toString()).toBe("xx***yy");
    expect(through(values, [b("xxabcdef"), b("XYZyy")]).toString()).toBe("xx***yy");
    expect(through(values, [b("xxabc"), b("def"), b("XY"), b("Zyy")]).toString()).toBe("xx***yy");
    expect(through(["aaaa"], [b("baaaaaaab")]).toString()).toBe("b***b");
    expect(through(["pass1234"], [b("pass1234pass1234!")]).toString()).toBe("***!");
    // one value inside another: the longer one is not shown in part either
    expect(through(["secret", "my-secret-key"], [b("<my-secret-key> <secret>")]).toString()).toBe("<***> <***>");
  });

  it("is the same however the stream is cut (random streams, values and cuts)", () => {
    let seed = 12345;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const word = (len: number) => Buffer.from(Array.from({ length: len }, () => "ab\n"[rand(3)]!.charCodeAt(0)));
    for (let round = 0; round < 400; round++) {
      const values = Array.from({ length: 1 + rand(3) }, () => word(3 + rand(5)));
      const data = word(rand(60));
      const chunks: Buffer[] = [];
      for (let i = 0; i < data.length;) {
        const n = 1 + rand(6);
        chunks.push(data.subarray(i, i + n));
        i += n;
      }
      const expected = reference(values, data);
      expect(
        through(values, chunks).toString(),
        JSON.stringify({ values: values.map(String), data: String(data) }),
      ).toBe(expected.toString());
      expect(new SecretMasker(values).maskAll(data).equals(expected)).toBe(true);
    }
  });

  it("takes values literally: regex characters, UTF-8 (split inside a character) and newlines", () => {
    const regexy = "a.*+?^$[](){}|\\b";
    expect(through([regexy], [b(`1 ${regexy.slice(0, 5)}`), b(`${regexy.slice(5)} 2 a.xxxx`)]).toString()).toBe(
      "1 *** 2 a.xxxx",
    );
    const utf8 = b("pässwörd-🔑");
    const data = Buffer.concat([b("key "), utf8, b(" end")]);
    for (let cut = 0; cut <= data.length; cut++) {
      expect(through([utf8], [data.subarray(0, cut), data.subarray(cut)]).toString()).toBe("key *** end");
    }
    expect(through(["line1\nline2"], [b("x line1\n"), b("line2 y\nline1\nline3")]).toString()).toBe(
      "x *** y\nline1\nline3",
    );
  });

  it("does not mask values shorter than 4 bytes", () => {
    const m = new SecretMasker(["abc", "", "x"]);
    expect(m.active).toBe(false);
    expect(through(["abc", "wxyz"], [b("abc wxyz")]).toString()).toBe("abc ***");
  });

  it("masks a finished text", () => {
    expect(new SecretMasker(["hunter22"]).maskText("login failed for hunter22 (hunter2)")).toBe(
      "login failed for *** (hunter2)",
    );
    expect(new SecretMasker([]).maskText("as is")).toBe("as is");
  });
});
