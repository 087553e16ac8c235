export * from "./definitions";
export * from "./live";
export * from "./live-hub";
export * from "./redis";
export * from "./control";
export * from "./alive";
export * from "./acl";
