import type { ComponentProps } from "react";
import { cn } from "~/lib/utils";

const VARIANTS = {
  default: "border-transparent bg-zinc-900 text-white",
  outline: "border-line bg-surface text-ink",
  muted: "border-transparent bg-zinc-100 text-zinc-600",
} as const;

export type BadgeVariant = keyof typeof VARIANTS;

export type BadgeProps = ComponentProps<"span"> & { variant?: BadgeVariant };

export function Badge({ variant = "outline", className, ...props }: BadgeProps) {
  return (
    <span
      className={cn(
        "inline-flex h-5 shrink-0 items-center gap-1 rounded border px-1.5 text-xs leading-none font-medium whitespace-nowrap",
        VARIANTS[variant],
        className,
      )}
      {...props}
    />
  );
}
