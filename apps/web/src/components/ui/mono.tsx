import type { ComponentProps } from "react";
import { cn } from "~/lib/utils";

/** Inline monospace chip for shas, lane names, console names and byte offsets. */
export function Mono({ className, ...props }: ComponentProps<"span">) {
  return (
    <span
      className={cn(
        "inline-block rounded border border-line bg-zinc-50 px-1 font-mono text-xs leading-4 text-ink whitespace-nowrap",
        className,
      )}
      {...props}
    />
  );
}

export type ShaProps = Omit<ComponentProps<"span">, "children"> & { sha: string; length?: number };

/** A short commit sha; the full one is in the title so it can be read or copied on hover. */
export function Sha({ sha, length = 10, title, ...props }: ShaProps) {
  return (
    <Mono title={title ?? sha} {...props}>
      {sha.slice(0, length)}
    </Mono>
  );
}
