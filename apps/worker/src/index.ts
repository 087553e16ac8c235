export { startWorker, type RunningWorker, type WorkerOptions } from "./worker";
export { measureHost, hostClasses, type HostCapabilities, type ProbeRoots } from "./host";
export { runLaneProcess } from "./spawn-lane";
export { startHealthServer, type HealthServer, type HealthServerOptions } from "./health-server";
