import { z } from "zod";

/**
 * C0 control characters and DEL. Git refuses them in ref names, so no branch holds one; and a NUL
 * reaching PostgreSQL is an "invalid byte sequence" error, which used to surface as an internal
 * error that the web client retried forever. Other code points (a bidi override, a zero-width
 * space) are legal in git and are shown escaped instead, so they stay allowed here.
 */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** A name from outside (branch, lane, run id): bounded and free of control characters, else BAD_REQUEST. */
export function nameInput(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL_CHARACTER.test(s), { message: "must not contain control characters" });
}
