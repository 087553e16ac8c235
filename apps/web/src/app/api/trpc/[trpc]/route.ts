import { trpcHandler } from "../../../../server/trpc-handler";

// Every call reads live state (Postgres, Redis); nothing here may be cached or prerendered.
export const dynamic = "force-dynamic";
// Postgres and Redis clients need Node's sockets.
export const runtime = "nodejs";

export { trpcHandler as GET, trpcHandler as POST };
