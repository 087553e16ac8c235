import type { ComponentProps } from "react";
import { cn } from "~/lib/utils";

const SIZES = {
  md: "h-8 px-2.5 text-base",
  sm: "h-7 px-2 text-sm",
  xs: "h-6 px-1.5 text-xs",
} as const;

export type FieldSize = keyof typeof SIZES;

/** Shared by Input and Select so a form's fields line up and focus the same way. */
export function fieldClassName(size: FieldSize = "sm", invalid = false): string {
  return cn(
    "min-w-0 rounded-md border bg-surface text-ink shadow-xs outline-none placeholder:text-ink-muted",
    "focus-visible:border-status-running focus-visible:ring-2 focus-visible:ring-status-running/20",
    "disabled:cursor-not-allowed disabled:opacity-50",
    invalid ? "border-status-failed" : "border-line",
    SIZES[size],
  );
}

export type InputProps = Omit<ComponentProps<"input">, "size"> & {
  size?: FieldSize;
  /** Marks the value as wrong (red border, aria-invalid) without a message; say why next to it. */
  invalid?: boolean;
};

export function Input({ size, invalid = false, className, ...props }: InputProps) {
  return (
    <input aria-invalid={invalid || undefined} className={cn(fieldClassName(size, invalid), className)} {...props} />
  );
}

export type TextareaProps = ComponentProps<"textarea"> & { invalid?: boolean };

export function Textarea({ invalid = false, className, ...props }: TextareaProps) {
  return (
    <textarea
      aria-invalid={invalid || undefined}
      className={cn(fieldClassName("sm", invalid), "h-auto min-h-16 py-1.5", className)}
      {...props}
    />
  );
}

export type FieldProps = ComponentProps<"label"> & { label: string };

/** A field with its name above it; the label wraps the control, so no id is needed to tie them. */
export function Field({ label, className, children, ...props }: FieldProps) {
  return (
    <label className={cn("flex flex-col gap-1 text-xs font-medium text-ink-muted", className)} {...props}>
      {label}
      {children}
    </label>
  );
}
