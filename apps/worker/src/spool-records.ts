import type { Metric } from "@proofboard/domain";
import type { ConsoleKind, ConsoleVerdict, OrderedMarker, Outcome } from "@proofboard/services";

/** Which console a record belongs to, with what opening it again needs (it may not exist yet). */
export interface ConsoleRef {
  console: string;
  kind: ConsoleKind;
  expectedFrom: string | null;
}

/**
 * What one attempt still owes PostgreSQL, as its spool file keeps it: enough for the next worker
 * under the host name to store it if this one dies first (spool-replay.ts). Console bytes are the
 * record's data; everything else is in the header.
 */
export type SpoolRecord =
  | (ConsoleRef & {
      t: "chunk";
      offset: number;
      /** when the bytes came (ISO time) */
      at: string;
      newlinesBefore: number;
      /** failure markers found in these bytes */
      markers: OrderedMarker[];
    })
  | (ConsoleRef & {
      t: "close";
      at: string;
      lines: number;
      verdict: ConsoleVerdict | null;
      /** markers found only at the end (a last line without its newline) */
      markers: OrderedMarker[];
    })
  | { t: "verdict"; outcome: Outcome; metrics: Metric[]; repositoryId: string; commitSha: string };
