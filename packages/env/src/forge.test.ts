import { afterEach, describe, expect, it } from "vitest";
import { env, EnvError, resetEnvCache } from "./index";

const KEYS = [
  "PROOFBOARD_FORGE",
  "PROOFBOARD_FORGE_API_URL",
  "PROOFBOARD_FORGE_TOKEN",
  "PROOFBOARD_FORGE_REPO",
] as const;

function withEnv(vars: Partial<Record<(typeof KEYS)[number], string>>): () => ReturnType<typeof env> {
  for (const k of KEYS) delete process.env[k];
  Object.assign(process.env, vars);
  resetEnvCache();
  return () => env();
}

afterEach(() => {
  for (const k of KEYS) delete process.env[k];
  resetEnvCache();
});

describe("forge settings", () => {
  it("are optional, and complete ones are taken", () => {
    expect(withEnv({})().PROOFBOARD_FORGE).toBeUndefined();
    const e = withEnv({
      PROOFBOARD_FORGE: "gitlab",
      PROOFBOARD_FORGE_TOKEN: "glpat-abc",
      PROOFBOARD_FORGE_REPO: "group/sub/project",
    })();
    expect(e).toMatchObject({ PROOFBOARD_FORGE: "gitlab", PROOFBOARD_FORGE_REPO: "group/sub/project" });
    expect(
      withEnv({ PROOFBOARD_FORGE: "gitlab", PROOFBOARD_FORGE_TOKEN: "t", PROOFBOARD_FORGE_REPO: "1234" })()
        .PROOFBOARD_FORGE_REPO,
    ).toBe("1234");
  });

  it("say what is missing or wrong, variable by variable", () => {
    expect(withEnv({ PROOFBOARD_FORGE: "github" })).toThrow(EnvError);
    expect(withEnv({ PROOFBOARD_FORGE: "github" })).toThrow(
      /PROOFBOARD_FORGE_TOKEN: required with PROOFBOARD_FORGE=github[^\n]*\n\s+PROOFBOARD_FORGE_REPO: required with PROOFBOARD_FORGE=github: owner\/name/,
    );
    expect(withEnv({ PROOFBOARD_FORGE: "gitea", PROOFBOARD_FORGE_TOKEN: "t", PROOFBOARD_FORGE_REPO: "o/r" })).toThrow(
      /PROOFBOARD_FORGE_API_URL: required with PROOFBOARD_FORGE=gitea: the API root/,
    );
    expect(withEnv({ PROOFBOARD_FORGE: "bitbucket" })).toThrow(/PROOFBOARD_FORGE: /);
    expect(withEnv({ PROOFBOARD_FORGE_TOKEN: "t" })).toThrow(
      /PROOFBOARD_FORGE_TOKEN: is set but PROOFBOARD_FORGE is not/,
    );
    expect(
      withEnv({ PROOFBOARD_FORGE: "github", PROOFBOARD_FORGE_TOKEN: "t", PROOFBOARD_FORGE_REPO: "../../admin" }),
    ).toThrow(/PROOFBOARD_FORGE_REPO: must be owner\/name, not "..\/..\/admin"/);
    expect(
      withEnv({ PROOFBOARD_FORGE: "github", PROOFBOARD_FORGE_TOKEN: "t", PROOFBOARD_FORGE_REPO: "o/r/x" }),
    ).toThrow(/must be owner\/name/);
    expect(
      withEnv({ PROOFBOARD_FORGE: "github", PROOFBOARD_FORGE_TOKEN: "t\r\nX-Evil: 1", PROOFBOARD_FORGE_REPO: "o/r" }),
    ).toThrow(/PROOFBOARD_FORGE_TOKEN: must be printable ASCII/);
    expect(
      withEnv({
        PROOFBOARD_FORGE: "github",
        PROOFBOARD_FORGE_TOKEN: "t",
        PROOFBOARD_FORGE_REPO: "o/r",
        PROOFBOARD_FORGE_API_URL: "file:///etc",
      }),
    ).toThrow(/PROOFBOARD_FORGE_API_URL: must be an http\(s\):\/\/ URL/);
  });
});
