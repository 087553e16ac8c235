import { describe, expect, it } from "vitest";
import { FencedOut } from "@proofboard/services";
import { isDatabaseUnreachable } from "./db-unreachable";

/** Shapes seen from Prisma on the pg adapter and from pg itself when the server went away. */
const prismaRaw = Object.assign(
  new Error("Raw query failed. Code: `N/A`. Message: `Can't reach database server at 127.0.0.1:55439`"),
  {
    code: "P2010",
    meta: {
      driverAdapterError: {
        name: "DriverAdapterError",
        cause: { kind: "DatabaseNotReachable", host: "127.0.0.1", port: 55439 },
      },
    },
  },
);

describe("isDatabaseUnreachable", () => {
  it("recognises a server that is gone, restarting or refusing", () => {
    expect(isDatabaseUnreachable(prismaRaw)).toBe(true);
    expect(isDatabaseUnreachable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(
      isDatabaseUnreachable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })),
    ).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error("x"), { code: "57P01" }))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error("x"), { code: "P1017" }))).toBe(true);
    expect(
      isDatabaseUnreachable(new Error("wrapped", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) })),
    ).toBe(true);
    expect(
      isDatabaseUnreachable({ meta: { driverAdapterError: { cause: { kind: "postgres", originalCode: "57P03" } } } }),
    ).toBe(true);
  });

  it("leaves the database's own answers final", () => {
    expect(isDatabaseUnreachable(new FencedOut("r1"))).toBe(false);
    expect(
      isDatabaseUnreachable(
        Object.assign(new Error("Unique constraint failed on the fields: (`id`)"), { code: "P2002" }),
      ),
    ).toBe(false);
    expect(
      isDatabaseUnreachable({ meta: { driverAdapterError: { cause: { kind: "postgres", originalCode: "23505" } } } }),
    ).toBe(false);
    expect(isDatabaseUnreachable(null)).toBe(false);
    expect(isDatabaseUnreachable("Connection terminated")).toBe(false);
  });
});
