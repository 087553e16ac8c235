import { auditRouter } from "./routers/audit";
import { authRouter } from "./routers/auth";
import { branchesRouter } from "./routers/branches";
import { consolesRouter } from "./routers/consoles";
import { historyRouter } from "./routers/history";
import { hostsRouter } from "./routers/hosts";
import { lanesRouter } from "./routers/lanes";
import { newsRouter } from "./routers/news";
import { readinessRouter } from "./routers/readiness";
import { operationsRouter } from "./routers/operations";
import { runsRouter } from "./routers/runs";
import { tokensRouter } from "./routers/tokens";
import { usersRouter } from "./routers/users";
import { router } from "./trpc";

export const appRouter = router({
  branches: branchesRouter,
  lanes: lanesRouter,
  runs: runsRouter,
  hosts: hostsRouter,
  auth: authRouter,
  history: historyRouter,
  operations: operationsRouter,
  consoles: consolesRouter,
  audit: auditRouter,
  tokens: tokensRouter,
  users: usersRouter,
  news: newsRouter,
  readiness: readinessRouter,
});

export type AppRouter = typeof appRouter;
