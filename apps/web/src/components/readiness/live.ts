/** Until push arrives, a short poll is what makes a finishing run show up without a reload. */
export const LIVE_REFETCH_MS = 3_000;
