import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  AuthInputError,
  createUser,
  listUsers,
  MAX_PASSWORD_LENGTH,
  ROLES,
  setPassword,
  setRole,
  USER_NAME,
} from "@proofboard/auth";
import { adminProcedure, router } from "../trpc";

const name = z.string().regex(USER_NAME, { error: "not a user name: 1-64 of a-z 0-9 . _ -" });
const role = z.enum(ROLES);
const password = z.string().max(MAX_PASSWORD_LENGTH);

function asInputError(err: unknown): never {
  if (err instanceof AuthInputError)
    throw new TRPCError({
      code: err.message.startsWith("unknown user") ? "NOT_FOUND" : "BAD_REQUEST",
      message: err.message,
    });
  throw err;
}

/** People and their roles: an admin's job (scripts/user.ts does the same from a shell on the server). */
export const usersRouter = router({
  list: adminProcedure.query(async () =>
    (await listUsers()).map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })),
  ),
  create: adminProcedure
    .input(z.object({ name, role, password }))
    .mutation(({ input }) => createUser(input).catch(asInputError)),
  setRole: adminProcedure
    .input(z.object({ name, role }))
    .mutation(({ input }) => setRole(input.name, input.role).catch(asInputError)),
  setPassword: adminProcedure.input(z.object({ name, password })).mutation(async ({ input }) => {
    await setPassword(input.name, input.password).catch(asInputError);
    return { ok: true };
  }),
});
