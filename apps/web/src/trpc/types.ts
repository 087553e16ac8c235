import type { AppRouter } from "@proofboard/api";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";

/** e.g. `RouterOutputs["runs"]["get"]` for a page's props without repeating the API's types. */
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
