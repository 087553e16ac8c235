import { listHosts } from "@proofboard/services";
import { env } from "@proofboard/env";
import { publicProcedure, router } from "../trpc";

export const hostsRouter = router({
  list: publicProcedure.query(async () => {
    const timeout = env().PROOFBOARD_HOST_TIMEOUT_SECONDS * 1000;
    return (await listHosts()).map((h) => ({
      name: h.name,
      classes: h.classes,
      capabilities: h.capabilities,
      slots: h.slots,
      slotsInUse: h.slotsInUse,
      lastHeartbeatAt: h.lastHeartbeatAt.toISOString(),
      online: Date.now() - h.lastHeartbeatAt.getTime() < timeout,
    }));
  }),
});
