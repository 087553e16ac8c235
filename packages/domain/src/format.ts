const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * `12s`, `4m 05s`, `1h 02m`: two units at most, because a lane lasting hours is read at a glance and
 * its seconds are noise. Negative or non-finite input (clock skew, a missing end) shows as `0s`.
 */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours}h ${pad2(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad2(seconds)}s`;
  return `${seconds}s`;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 10);
}
