export { appRouter, type AppRouter } from "./root";
export { createContext, operatorProcedure, publicProcedure, router, type Context } from "./trpc";
export { decodeOffsets, encodeOffsets } from "./routers/runs";
export { handleConsoleDownload } from "./console-download";
export { refuseCrossSitePost } from "./cross-site";
