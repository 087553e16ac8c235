import { env } from "@proofboard/env";
import {
  consoleStorageTick,
  loadSiteOverlay,
  logger,
  markLostRuns,
  newsTick,
  reconcile,
  startReadinessRecorder,
  watchTransport,
} from "@proofboard/services";

/**
 * What the web process runs beside its pages (see instrumentation.ts): Node only, so that the edge
 * build of instrumentation never compiles `process.exit` and the services it loads.
 */
export async function startBackground(): Promise<void> {
  const log = logger("web");
  // Read once, at start: a bad site overlay stops the web app with its file:line message.
  try {
    const overlay = await loadSiteOverlay();
    if (overlay) log.info(overlay);
  } catch (err) {
    log.error("cannot start", { err });
    process.exit(1);
  }
  // Only web processes record readiness changes (workers never judge readiness), whether or not they
  // reconcile too; a change is recorded within a pass (2 s) of the run or push that made it.
  startReadinessRecorder({ onError: (err: unknown) => log.error("readiness recorder failed", { err }) });
  // Outgoing news (webhooks, commit statuses): every web process sends; claimed rows keep them from sending twice.
  const news = () =>
    void newsTick()
      .then((r) => {
        if (r && (r.events || r.delivered || r.retry || r.failed)) log.info("news", r);
      })
      .catch((err: unknown) => log.error("news delivery failed", { err }));
  setInterval(news, 5000).unref();
  // Console storage: expired weeks of console bytes dropped, finished consoles compacted (README:
  // How console storage grows). Locks keep two web processes from doing the same console or week.
  const storage = () =>
    void consoleStorageTick()
      .then(({ compacted, dropped }) => {
        for (const d of dropped) log.info("console retention: dropped a week of console bytes", { ...d });
        if (compacted.consoles) log.info("console compaction", { ...compacted });
      })
      .catch((err: unknown) => log.error("console storage maintenance failed", { err }));
  setInterval(storage, 60_000).unref();
  if (env().PROOFBOARD_WEB_RECONCILER === "off") return;
  const every = 15_000;
  const tick = () =>
    void reconcile(env().PROOFBOARD_HOST_TIMEOUT_SECONDS)
      .then((r) => {
        for (const runId of r.requeued) log.info("reconciler: queued a run Redis did not have", { runId });
        if (r.lost.length) log.warn("reconciler: runs of silent hosts lost", { runIds: r.lost, retried: r.retried });
      })
      .catch((err: unknown) => log.error("reconciler failed", { err }));
  setInterval(tick, every).unref();
  // With every worker dead, the web alone notices their runs within the host timeout and retries them.
  const lostTick = () =>
    void markLostRuns(env().PROOFBOARD_HOST_TIMEOUT_SECONDS).catch((err: unknown) =>
      log.error("reconciler: marking lost runs failed", { err }),
    );
  setInterval(lostTick, 2000).unref();
  // With every worker down, the web alone gives a Redis that lost its data its schedulers and jobs back.
  watchTransport({ syncEverySeconds: env().PROOFBOARD_SYNC_INTERVAL_SECONDS, log: (l) => log.info(l) });
}
