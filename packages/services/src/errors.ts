/** Errors a person can act on; the API maps them to NOT_FOUND / BAD_REQUEST. */
export class NotFoundError extends Error {
  constructor(
    readonly kind: "repository" | "branch" | "lane" | "run" | "console" | "gate" | "hook" | "delivery",
    readonly value: string,
  ) {
    super(`unknown ${kind}: ${JSON.stringify(value)}`);
  }
}

export class ConflictError extends Error {}

/** The caller is known but this is not theirs to do (another person's hold); the API answers FORBIDDEN. */
export class ForbiddenError extends Error {}

/** Proofboard is not set up for the request (e.g. no target repository configured). */
export class ConfigError extends Error {}

/** The target repository could not be fetched (a broken ref, a remote that refuses): its fault, not the caller's. */
export class TargetFetchError extends Error {}

/** A console whose bytes retention dropped: the run, its verdict and failure lines stay. */
export class ConsoleDroppedError extends Error {
  constructor(name: string, droppedAt: Date) {
    super(
      `console ${JSON.stringify(name)}: its bytes were dropped on ${droppedAt.toISOString().slice(0, 10)} by the lane's console retention (consoleRetentionDays); the run's verdict and failure lines are kept`,
    );
  }
}
