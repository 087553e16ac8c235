import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

// Prisma's engines come from a server this machine cannot reach, so migrations run on the
// bundled WebAssembly schema engine through the pg driver adapter (see STACK.md).
function adapterConfig() {
  // The Prisma CLI loads this file on its own, before and without the app: the same default as
  // @proofboard/env's DATABASE_URL, which eslint.config.js exempts this tooling file from using.
  const url = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/proofboard");
  // Discrete fields, not a connection string: with a URL the shadow-database work of
  // `migrate dev` lands on the main database.
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || "postgres"),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
  };
}

export default defineConfig({
  experimental: { adapter: true },
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  engine: "js",
  adapter: () => Promise.resolve(new PrismaPg(adapterConfig())),
});
