import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** Tests use their own database and Redis key prefix, never the development ones. */
const testEnv = {
  DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/proofboard_test",
  // Overridable so two suites can run side by side on one machine (each with its own database too).
  PROOFBOARD_REDIS_PREFIX: process.env.TEST_REDIS_PREFIX ?? "pbtest",
  PROOFBOARD_DATA_DIR: process.env.TEST_DATA_DIR ?? "/tmp/proofboard-test-data",
  PROOFBOARD_TARGET_NAME: "itest",
  PROOFBOARD_HEARTBEAT_SECONDS: "1",
  // Suites call mutations as fast as code can; tests/integration/browser-safety.test.ts sets its own limits.
  PROOFBOARD_MUTATION_RATE: "100000/min",
  PROOFBOARD_MUTATION_RATE_PER_ADDRESS: "100000/min",
};

/** Three projects: unit tests beside the code, integration tests on real services, browser tests. */
export default defineConfig({
  test: {
    projects: [
      {
        // the web app's own "~/" imports, for its unit tests
        resolve: { alias: { "~": fileURLToPath(new URL("apps/web/src", import.meta.url)) } },
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts"],
          environment: "node",
          // Set-up that builds real things (git repositories, the guest) is slow on a busy 2-core machine.
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/integration/global-setup.ts"],
          env: testEnv,
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // A page on a busy 2-core machine (QEMU guests, a build) can take seconds to draw: polls
          // wait for it rather than fail at vitest's default 1 s. Failing checks only take longer.
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
