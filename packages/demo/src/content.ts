/** What the demo repository contains and how its branches differ. */

/** UltraCloud's components, with the one-line role shown in each component file. */
export const COMPONENTS: Record<string, string> = {
  chainfire: "replicated configuration and coordination store",
  flaredb: "distributed metadata database",
  iam: "identity and access management",
  plasmavmc: "virtual machine controller",
  prismnet: "tenant virtual networking",
  lightningstor: "replicated block storage",
  coronafs: "shared file system",
  flashdns: "authoritative DNS",
  fiberlb: "L4/L7 load balancer",
  apigateway: "public API gateway",
  nightlight: "metrics and alerting",
  creditservice: "quota and billing",
  k8shost: "tenant pod and service semantics",
  deployer: "bootstrap and install-plan service",
  "nix-agent": "desired-system activation agent",
  "fleet-scheduler": "bare-metal host service placement",
  "node-agent": "per-host runtime reconciliation",
  "first-boot-automation": "post-install first boot markers",
  "install-target": "Disko install target",
};

export interface ComponentState {
  version: string;
  builds: boolean;
  healthy: boolean;
  reason: string;
}

const HEALTHY: ComponentState = { version: "2026.10.2", builds: true, healthy: true, reason: "" };

export function componentToml(name: string, state: ComponentState): string {
  return [
    `# ${name}: ${COMPONENTS[name] ?? "component"} (demo stand-in)`,
    `name = "${name}"`,
    `version = "${state.version}"`,
    `builds = ${state.builds}`,
    `healthy = ${state.healthy}`,
    `reason = "${state.reason}"`,
    "",
  ].join("\n");
}

/** One commit of the demo history: the files it changes, relative to the repository root. */
export interface DemoCommit {
  message: string;
  files: Record<string, string>;
}

export function allComponentFiles(overrides: Record<string, Partial<ComponentState>> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of Object.keys(COMPONENTS)) {
    files[`components/${name}.toml`] = componentToml(name, { ...HEALTHY, ...overrides[name] });
  }
  return files;
}

export const DEMO_LANES = [
  "single-node-quickstart",
  "baremetal-iso",
  "baremetal-iso-e2e",
  "fresh-smoke",
  "fresh-demo-vm-webapp",
  "fresh-matrix",
  "deployer-vm-smoke",
  "canonical-profile-eval-guards",
  "canonical-profile-build-guards",
  "portable-control-plane-regressions",
  "fresh-bench-storage",
  "publishable-kvm-suite",
] as const;

export interface DemoBranch {
  name: string;
  /** what a release engineer should see on this branch once its lanes ran */
  expectation: string;
  /** lanes that fail on this branch's head, by design */
  failingLanes: readonly string[];
  /** release gates that cannot turn green on this branch's head */
  redGates: readonly string[];
}

export const DEMO_BRANCHES = {
  main: {
    name: "main",
    expectation: "every component healthy: release-ready once its lanes have run",
    failingLanes: [],
    redGates: [],
  },
  fiberlbRework: {
    name: "feature/fiberlb-rework",
    expectation: "fiberlb unhealthy: fresh-matrix fails, so the publishable-kvm gate stays red",
    failingLanes: ["fresh-matrix"],
    redGates: ["publishable-kvm"],
  },
  release: {
    name: "release/2026.11",
    expectation: "healthy; after its lanes run it gets a new commit (advanceBranch), so its passes become stale",
    failingLanes: [],
    redGates: [],
  },
} as const satisfies Record<string, DemoBranch>;

/** Per branch, the commits on top of the shared first commit (which holds the template files). */
export const BRANCH_COMMITS: Record<string, DemoCommit[]> = {
  [DEMO_BRANCHES.main.name]: [
    {
      message:
        "chainfire: shorten election timeout to 1.5 s\n\nLeader re-election after a node loss took 4 s in fresh-smoke.\n",
      files: { "components/chainfire.toml": componentToml("chainfire", { ...HEALTHY, version: "2026.10.3" }) },
    },
  ],
  [DEMO_BRANCHES.fiberlbRework.name]: [
    {
      message:
        "fiberlb: rework listener reconcile loop\n\nWork in progress: backends are dropped after a node failover, so the\nVIP stops answering in the provider matrix.\n",
      files: {
        "components/fiberlb.toml": componentToml("fiberlb", {
          ...HEALTHY,
          version: "2026.11.0-rc1",
          healthy: false,
          reason: "listener reconcile drops backends after node failover",
        }),
      },
    },
  ],
  [DEMO_BRANCHES.release.name]: [
    {
      message: "release: prepare 2026.11\n",
      files: {},
    },
  ],
};
