import { authRouter } from "./routers/auth";
import { branchesRouter } from "./routers/branches";
import { historyRouter } from "./routers/history";
import { hostsRouter } from "./routers/hosts";
import { lanesRouter } from "./routers/lanes";
import { runsRouter } from "./routers/runs";
import { router } from "./trpc";

export const appRouter = router({
  branches: branchesRouter,
  lanes: lanesRouter,
  runs: runsRouter,
  hosts: hostsRouter,
  auth: authRouter,
  history: historyRouter,
});

export type AppRouter = typeof appRouter;
