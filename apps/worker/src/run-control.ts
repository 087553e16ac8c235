import type { RunControlMessage } from "@proofboard/jobs";
import type { OperationMessage } from "./operations";

/** What the worker can do to a run it is running, keyed by run id. */
export interface RunHandle {
  cancel(): void;
  endHold(): void;
  input(console: string, data: Buffer): void;
  /** start, resize or stop an operation of the held run */
  operation(msg: OperationMessage): void;
}

export class RunControl {
  private readonly runs = new Map<string, RunHandle>();

  register(runId: string, handle: RunHandle): () => void {
    this.runs.set(runId, handle);
    return () => {
      if (this.runs.get(runId) === handle) this.runs.delete(runId);
    };
  }

  ids(): string[] {
    return [...this.runs.keys()];
  }

  get(runId: string): RunHandle | undefined {
    return this.runs.get(runId);
  }

  dispatch(msg: RunControlMessage): void {
    const run = this.runs.get(msg.runId);
    if (!run) return; // another worker's run
    if (msg.type === "cancel") run.cancel();
    else if (msg.type === "hold-end") run.endHold();
    else if (msg.type === "input") run.input(msg.console, Buffer.from(msg.data, "base64"));
    else run.operation(msg);
  }
}
