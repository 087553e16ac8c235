import { handleBadge } from "@proofboard/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * /badges/<branch>.svg[?gate=ID]: release-readiness (or one gate's) as an SVG badge. The handler
 * reads the branch from the address itself: branch names hold slashes, and Next's segments come
 * decoded differently on different paths (see app/branches/[...name]/page.tsx).
 */
export async function GET(req: Request) {
  return handleBadge(req);
}
