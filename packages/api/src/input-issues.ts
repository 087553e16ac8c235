import type { z } from "zod";

/**
 * A refused input in plain words, one clause per problem: "status must be one or more of …" or
 * "name: Too big: expected string to have <=255 characters". tRPC's own message for a refused
 * input is the issues' JSON, which pages and the CLI would show as it is.
 */
export function plainIssues(error: z.ZodError, root = "input"): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.map(String).join(".");
      const field = String(issue.path.at(-1) ?? "");
      // A message that already starts with its field ("status must be …") needs no prefix.
      if (field && issue.message.startsWith(`${field} `)) return issue.message;
      return `${where || root}: ${issue.message}`;
    })
    .join("; ");
}
