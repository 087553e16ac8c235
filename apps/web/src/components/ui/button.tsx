import { Slot } from "@radix-ui/react-slot";
import type { ComponentProps } from "react";
import { cn } from "~/lib/utils";

const VARIANTS = {
  default: "bg-zinc-900 text-white shadow-xs hover:bg-zinc-800 active:bg-zinc-950",
  outline: "border border-line bg-surface text-ink shadow-xs hover:bg-zinc-50 active:bg-zinc-100",
  ghost: "text-ink hover:bg-zinc-100 active:bg-zinc-200",
  /** Confirms something that cannot be taken back; only in an AlertDialog or beside an explicit warning. */
  destructive: "bg-status-failed text-white shadow-xs hover:bg-status-failed/90 active:bg-status-failed/80",
} as const;

const SIZES = {
  sm: "h-7 gap-1.5 rounded-md px-2.5 text-sm",
  xs: "h-6 gap-1 rounded px-2 text-xs",
} as const;

export type ButtonVariant = keyof typeof VARIANTS;
export type ButtonSize = keyof typeof SIZES;

export type ButtonProps = ComponentProps<"button"> & {
  variant?: ButtonVariant;
  size?: ButtonSize;
  /** Render the single child (e.g. a next/link `Link`) with the button's look instead of a `<button>`. */
  asChild?: boolean;
};

export function buttonClassName(variant: ButtonVariant = "default", size: ButtonSize = "sm"): string {
  return cn(
    "inline-flex shrink-0 cursor-pointer items-center justify-center font-medium whitespace-nowrap select-none",
    "transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-status-running",
    "disabled:pointer-events-none disabled:opacity-50 aria-disabled:pointer-events-none aria-disabled:opacity-50",
    "[&_svg]:size-3.5 [&_svg]:shrink-0",
    VARIANTS[variant],
    SIZES[size],
  );
}

export function Button({ variant, size, asChild = false, className, type, ...props }: ButtonProps) {
  if (asChild) return <Slot className={cn(buttonClassName(variant, size), className)} {...props} />;
  // A bare <button> inside a form submits it; every action here is explicit.
  return <button type={type ?? "button"} className={cn(buttonClassName(variant, size), className)} {...props} />;
}
