import type { Job } from "bullmq";
import { describe, expect, it } from "vitest";
import { controlJobProcessor } from "./control-jobs";

describe("control queue jobs", () => {
  it("fails loudly on a job name it has no handler for, naming the ones it knows", async () => {
    const process = controlJobProcessor(() => undefined);
    await expect(process({ name: "drop-tables; --", data: {} } as Job)).rejects.toThrow(
      /unknown control job "drop-tables; --": this worker knows sync-repository, scheduled-lane|unknown control job "drop-tables; --": this worker knows scheduled-lane, sync-repository/,
    );
  });

  it("knows no job by a name every object has", async () => {
    const process = controlJobProcessor(() => undefined);
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"])
      await expect(process({ name, data: {} } as Job), name).rejects.toThrow(/unknown control job/);
  });

  it("validates a known job's payload before touching anything", async () => {
    const process = controlJobProcessor(() => undefined);
    await expect(process({ name: "scheduled-lane", data: { repositoryId: "", lane: "x" } } as Job)).rejects.toThrow();
  });
});
