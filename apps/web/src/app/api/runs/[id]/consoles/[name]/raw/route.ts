import { handleConsoleDownload } from "@proofboard/api";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Raw console bytes, exact to the byte: downloads and `proofboard console`. */
export async function GET(req: Request, ctx: { params: Promise<{ id: string; name: string }> }) {
  const { id, name } = await ctx.params;
  return handleConsoleDownload(req, id, name);
}
