import type { Role } from "@proofboard/db";

export const ROLES = ["viewer", "operator", "admin"] as const satisfies readonly Role[];
export type { Role };

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Holding a lane's VMs and typing into their consoles; everyone else only reads. */
export function canOperate(role: Role): boolean {
  return role === "operator" || role === "admin";
}

/** Who a request is, as the API and pages see it: never the password hash. */
export type AuthUser = { id: string; name: string; role: Role };
