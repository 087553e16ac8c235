import { describe, expect, it } from "vitest";
import { operationArgv, operationConsoleName } from "./operation-argv";

const logs = {
  name: "logs",
  command: ["nix", "run", "./nix/test-cluster#cluster", "--", "logs", "{node}"],
  perNode: true,
};
const status = {
  name: "status",
  command: ["nix", "run", "./nix/test-cluster#cluster", "--", "status"],
  perNode: false,
};

describe("operationArgv", () => {
  it("puts the node into each element that names it, and nowhere else", () => {
    expect(operationArgv(logs, "node02")).toEqual(["nix", "run", "./nix/test-cluster#cluster", "--", "logs", "node02"]);
    expect(
      operationArgv({ name: "x", command: ["--host={node}.cluster", "{node}{node}"], perNode: true }, "n1"),
    ).toEqual(["--host=n1.cluster", "n1n1"]);
    expect(operationArgv(status, null)).toEqual(status.command);
  });

  it("keeps a hostile value one argument, never a shell word", () => {
    const argv = operationArgv(logs, "node02; rm -rf / $(reboot)");
    expect(argv).toHaveLength(6);
    expect(argv[5]).toBe("node02; rm -rf / $(reboot)");
  });

  it("refuses a node where none is taken, and none where one is", () => {
    expect(() => operationArgv(logs, null)).toThrow(/runs on one VM/);
    expect(() => operationArgv(status, "node01")).toThrow(/does not take a VM/);
  });
});

describe("operationConsoleName", () => {
  it("numbers the consoles of a run's operations and keeps them console names", () => {
    expect(operationConsoleName(3, "ssh", "node02")).toBe("op3-ssh-node02");
    expect(operationConsoleName(1, "status", null)).toBe("op1-status");
    expect(operationConsoleName(12, "logs", "Node_01")).toBe("op12-logs-node_01");
    expect(operationConsoleName(2, "logs", "x".repeat(80))).toHaveLength(64);
    expect(operationConsoleName(4, "ssh", "a b/../\u001b[2J")).toBe("op4-ssh-a-b-..---2j");
  });
});
