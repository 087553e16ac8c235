export type TimeInput = Date | string | number;

export function toDate(input: TimeInput): Date {
  return input instanceof Date ? input : new Date(input);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * "just now", "3m ago", "5h ago", "2d ago", then a calendar date: minutes are the finest unit
 * because the label refreshes every 30 s, and anything older than a month is read as a date.
 * With `seconds`, under a minute reads "4s ago": for heartbeats, where 20 s of silence means a
 * worker is about to be declared lost, and the label refreshes every second.
 */
export function formatRelative(date: Date, now: number, seconds = false): string {
  const t = date.getTime();
  if (!Number.isFinite(t)) return "—";
  const diff = now - t;
  const abs = Math.abs(diff);
  if (abs < MINUTE) {
    if (!seconds) return "just now";
    const s = Math.floor(abs / 1000);
    return diff >= 0 ? `${s}s ago` : `in ${s}s`;
  }
  const [value, unit] =
    abs < HOUR
      ? [Math.floor(abs / MINUTE), "m"]
      : abs < DAY
        ? [Math.floor(abs / HOUR), "h"]
        : [Math.floor(abs / DAY), "d"];
  if (unit === "d" && value > 30) return date.toISOString().slice(0, 10);
  // A future time only happens with clock skew between hosts; say so rather than pretend it is past.
  return diff >= 0 ? `${value}${unit} ago` : `in ${value}${unit}`;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** "04:05", or "1:02:03" past an hour; negative or non-finite input (clock skew) shows as "00:00". */
export function formatClock(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad2(m)}:${pad2(s)}` : `${pad2(m)}:${pad2(s)}`;
}

/** "~45s", "~12m", "~1h 30m": an expectation, so rounded to the unit a person plans with. */
export function formatApprox(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (total < MINUTE) return `~${Math.max(1, Math.round(total / 1000))}s`;
  const minutes = Math.round(total / MINUTE);
  if (minutes < 60) return `~${minutes}m`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `~${h}h` : `~${h}h ${m}m`;
}
