import type { ConsoleMarker } from "@proofboard/domain";
import { db } from "@proofboard/db";
import type { ConsoleKind } from "./fenced";

/**
 * What a worker learns about a console besides its bytes: failure markers as they stream by, the
 * source that finally printed a declared console, and its verdict and line count at the end. Each
 * write is fenced like appendChunk: only the attempt that owns the run may make it.
 */

type Fence = { runId: string; fence: number };

const OWNER = `EXISTS (SELECT 1 FROM run WHERE id = $1::uuid AND fence = $2)`;

/** A marker as the worker stores it, with its place in the order the run's output came. */
export interface OrderedMarker extends ConsoleMarker {
  /** the worker's count of writes when the marker's line began, across every console it writes */
  seq?: number;
}

export async function addMarkers(claim: Fence, consoleId: string, markers: OrderedMarker[], at: Date): Promise<void> {
  if (markers.length === 0) return;
  await db().$executeRawUnsafe(
    `INSERT INTO console_marker (console_id, "offset", line, kind, text, at, seq)
     SELECT $3, m."offset", m.line, m.kind, m.text, $4, m.seq
     FROM jsonb_to_recordset($5::jsonb) AS m("offset" bigint, line int, kind text, text text, seq bigint)
     WHERE ${OWNER}
     ON CONFLICT DO NOTHING`,
    claim.runId,
    claim.fence,
    consoleId,
    at,
    JSON.stringify(markers),
  );
}

/** A declared console's bytes finally came from a real source (the driver, a serial log). */
export async function retagConsole(claim: Fence, consoleId: string, kind: ConsoleKind): Promise<void> {
  await db().$executeRawUnsafe(
    `UPDATE console SET kind = $3 WHERE id = $4 AND kind = 'declared' AND ${OWNER}`,
    claim.runId,
    claim.fence,
    kind,
    consoleId,
  );
}

/** clean: printed no failure, in a run that did not pass (a VM the driver ran has no exit status of its own) */
export type ConsoleVerdict = "passed" | "failed" | "no-output" | "clean";

export async function closeConsole(
  claim: Fence,
  consoleId: string,
  end: { lines: number; verdict: ConsoleVerdict | null },
): Promise<void> {
  await db().$executeRawUnsafe(
    `UPDATE console SET lines = $3, verdict = $4 WHERE id = $5 AND ${OWNER}`,
    claim.runId,
    claim.fence,
    end.lines,
    end.verdict,
    consoleId,
  );
}
