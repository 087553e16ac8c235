import path from "node:path";

/**
 * The fault suite's own database, Redis prefix and data folder, put into process.env before any
 * Proofboard module reads it (this module is imported first). Workers get `workerEnv`: the same
 * database and prefix, but a data folder of their own, as a separate machine's workers would have.
 */
const root = path.resolve(import.meta.dirname, "../..");
const dataDir = process.env.FAULTS_DATA_DIR ?? "/tmp/proofboard-faults";

export const suitePaths = { root, dataDir };

export const workerEnv: Record<string, string> = {
  DATABASE_URL: process.env.FAULTS_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/proofboard_test_faults",
  REDIS_URL: process.env.FAULTS_REDIS_URL ?? "redis://127.0.0.1:6379",
  PROOFBOARD_REDIS_PREFIX: process.env.FAULTS_REDIS_PREFIX ?? "pbfaults",
  PROOFBOARD_DATA_DIR: path.join(dataDir, "machine"),
  PROOFBOARD_TARGET_NAME: "faults",
  PROOFBOARD_HEARTBEAT_SECONDS: "2",
  PROOFBOARD_HOST_TIMEOUT_SECONDS: "8",
  // one guest cache per machine, as the integration tests use: VM lanes never rebuild the guest
  PROOFBOARD_GUEST_CACHE: path.join(root, ".proofboard", "guest"),
  PROOFBOARD_CATALOG_OVERLAY: "",
  PROOFBOARD_WORKER_HEALTH_PORT: "",
};

Object.assign(process.env, workerEnv, { PROOFBOARD_DATA_DIR: path.join(dataDir, "suite") });
