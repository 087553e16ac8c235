import { badRef } from "./bad-ref";
import { bigCatalog } from "./big-catalog";
import { deathRaces } from "./death-races";
import { races } from "./races";
import { redisEmptied } from "./redis-emptied";
import { postgresAway } from "./postgres-away";
import { postgresAwayKilled } from "./postgres-away-killed";
import type { FaultScenario } from "./scenario";
import { workerAndGuardianKilled } from "./worker-and-guardian-killed";
import { workerKilled } from "./worker-killed";

/** Every scenario of `pnpm test:faults`, in the order they run. */
export const scenarios: FaultScenario[] = [
  workerKilled,
  workerAndGuardianKilled,
  postgresAway,
  postgresAwayKilled,
  redisEmptied,
  badRef,
  bigCatalog,
  races,
  deathRaces,
];
