import { createRedis, isRedisUnavailable, publishRunControl, type RunControlMessage } from "@proofboard/jobs";

/**
 * Tells a run's worker at once about a request already saved in PostgreSQL, which the worker also
 * reads there at its heartbeat (an operation to start, a hold to end). With Redis unreachable the
 * message cannot go, yet the request stands and takes effect a few seconds later: the caller gets
 * a note saying so, not an error inviting a second request (which would start a second operation).
 */
export async function nudgeWorker(msg: RunControlMessage, takesEffect: string): Promise<string | null> {
  const redis = createRedis();
  try {
    await publishRunControl(redis, msg);
    return null;
  } catch (err) {
    if (!isRedisUnavailable(err)) throw err;
    return `Redis unreachable: saved in PostgreSQL; ${takesEffect}`;
  } finally {
    redis.disconnect();
  }
}
