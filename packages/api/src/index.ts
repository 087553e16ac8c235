export { appRouter, type AppRouter } from "./root";
export { createContext, type Context } from "./trpc";
export { decodeOffsets, encodeOffsets } from "./routers/runs";
export { handleConsoleDownload } from "./console-download";
