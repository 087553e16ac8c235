import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "@proofboard/env";
import { PrismaClient } from "./generated/client";

export * from "./generated/client";
export type * from "./generated/models";

let client: PrismaClient | undefined;

/** The process-wide Prisma client on the pg driver adapter (no Rust engine: see STACK.md). */
export function db(): PrismaClient {
  if (!client) {
    client = new PrismaClient({
      adapter: new PrismaPg({ connectionString: env().DATABASE_URL, max: 10 }),
    });
  }
  return client;
}

export async function disconnectDb(): Promise<void> {
  if (client) {
    const c = client;
    client = undefined;
    await c.$disconnect();
  }
}
