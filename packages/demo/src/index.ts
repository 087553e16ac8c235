export { createDemoRepository, advanceBranch, isDemoRepository } from "./repository";
export { DEMO_BRANCHES, DEMO_LANES, COMPONENTS, type DemoBranch } from "./content";
