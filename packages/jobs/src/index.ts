export * from "./definitions";
export * from "./live";
export * from "./redis";
export * from "./control";
