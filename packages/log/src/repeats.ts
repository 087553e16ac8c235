import type { LogFields, Logger } from "./log";

/**
 * An error that repeats while its cause lasts (a queue connection refused every second while Redis
 * is down) is logged once when it starts, then at most once per window with how many times it came
 * meanwhile: the log says what happens and for how long, without one line per reconnect.
 */
export function quietRepeats(
  log: Logger,
  level: "warn" | "error",
  windowMs = 30_000,
  now: () => number = Date.now,
): (msg: string, fields?: LogFields) => void {
  const seen = new Map<string, { at: number; repeated: number }>();
  return (msg, fields = {}) => {
    const t = now();
    const last = seen.get(msg);
    if (last && t - last.at < windowMs) {
      last.repeated++;
      return;
    }
    const repeated = last?.repeated ?? 0;
    seen.set(msg, { at: t, repeated: 0 });
    // bounded: messages may carry addresses or names, so only the newest hundred are remembered
    if (seen.size > 100) seen.delete(seen.keys().next().value!);
    log[level](msg, repeated ? { ...fields, repeatedSinceLastLine: repeated } : fields);
  };
}
