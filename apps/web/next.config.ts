import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Workspace packages ship TypeScript sources (exports point at src/*.ts), so Next compiles them.
  transpilePackages: [
    "@proofboard/api",
    "@proofboard/domain",
    "@proofboard/env",
    "@proofboard/log",
    "@proofboard/db",
    "@proofboard/services",
    "@proofboard/jobs",
    "@proofboard/git",
  ],
  // Native sockets, worker threads and Prisma's generated client break when bundled; Node loads them.
  serverExternalPackages: ["bullmq", "ioredis", "pg", "@prisma/adapter-pg", "@prisma/client"],
  typedRoutes: false,
  // `next dev` only trusts "localhost"; opened as 127.0.0.1 (how scripts and tests address it) the
  // page never hydrated, because its dev resources were refused as cross-origin.
  allowedDevOrigins: ["127.0.0.1"],
  poweredByHeader: false,
};

export default nextConfig;
