import { open, stat } from "node:fs/promises";
import {
  CatalogError,
  MAX_OVERLAY_BYTES,
  overlayTooBig,
  parseCatalogOverlay,
  type CatalogOverlay,
} from "@proofboard/domain";
import { env } from "@proofboard/env";

/**
 * The site overlay (PROOFBOARD_CATALOG_OVERLAY) is read once per process, at start: every catalog
 * the process resolves is merged with the same overlay, and a change needs a restart. Kept on
 * globalThis because Next bundles the instrumentation hook apart from the route handlers: one
 * process, one read, whichever copy of this module asks first.
 */
const KEY = Symbol.for("proofboard.siteOverlay");
type Holder = { [KEY]?: Promise<CatalogOverlay | null> };

export function siteOverlay(): Promise<CatalogOverlay | null> {
  const holder = globalThis as Holder;
  holder[KEY] ??= readOverlay(env().PROOFBOARD_CATALOG_OVERLAY);
  return holder[KEY];
}

/**
 * For web and worker start-up: reads and validates the overlay, so a bad one stops the process
 * with its file:line message instead of failing every catalog later. Resolves to a line for the log.
 */
export async function loadSiteOverlay(): Promise<string | null> {
  const overlay = await siteOverlay();
  if (!overlay) return null;
  const names = overlay.overrides.map((o) => o.name);
  return `site overlay ${overlay.file}: ${names.length} lane(s): ${names.join(", ") || "none"}`;
}

/** Tests point PROOFBOARD_CATALOG_OVERLAY elsewhere; catalogs already resolved (and cached) keep the overlay they were merged with. */
export function resetSiteOverlay(): void {
  delete (globalThis as Holder)[KEY];
}

async function readOverlay(file: string | undefined): Promise<CatalogOverlay | null> {
  if (!file) return null;
  let text: string;
  try {
    // stat before open: opening a FIFO or a device would block or never end
    const info = await stat(file);
    if (!info.isFile()) throw new Error("not a regular file");
    if (info.size > MAX_OVERLAY_BYTES) throw overlayTooBig(file, info.size);
    const handle = await open(file, "r");
    try {
      // read at most one byte past the cap: a file growing under us is refused, never read whole
      const buf = Buffer.alloc(MAX_OVERLAY_BYTES + 1);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      if (bytesRead > MAX_OVERLAY_BYTES) throw overlayTooBig(file, bytesRead);
      text = buf.subarray(0, bytesRead).toString("utf8");
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof CatalogError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new CatalogError(
      file,
      "",
      1,
      `cannot read the site overlay (${why}); PROOFBOARD_CATALOG_OVERLAY must name a readable YAML file`,
    );
  }
  return parseCatalogOverlay(text, file);
}
