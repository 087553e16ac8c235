/**
 * The source of a lane (a node script) that writes what `blocks` yields to its stdout as fast as
 * the pipe takes it, waiting on "drain", so the lane feels the worker's backpressure. `blocks` is
 * sent as its own source text, called with `args` (JSON): it may use globals such as Buffer only.
 */
export function pumpScript<A extends unknown[]>(blocks: (...args: A) => Generator<Buffer>, ...args: A): string {
  return `${blocks.toString()}
const it = ${blocks.name}(${args.map((a) => JSON.stringify(a)).join(", ")});
const pump = () => {
  for (;;) {
    const next = it.next();
    if (next.done) return;
    if (!process.stdout.write(next.value)) return process.stdout.once("drain", pump);
  }
};
pump();
`;
}
