import { handleReadinessJson } from "@proofboard/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The versioned readiness document for release tooling (README: Readiness for release tooling). */
export async function GET(req: Request) {
  return handleReadinessJson(req);
}
