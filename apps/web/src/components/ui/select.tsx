import type { ComponentProps } from "react";
import { cn } from "~/lib/utils";
import { fieldClassName, type FieldSize } from "./input";

export type SelectProps = Omit<ComponentProps<"select">, "size"> & {
  size?: FieldSize;
  invalid?: boolean;
  /** Shorthand for plain options whose label is their value; pass children for anything else. */
  options?: readonly string[];
};

/** A native select: keyboard, screen readers and mobile pickers work without a script. */
export function Select({ size, invalid = false, options, className, children, ...props }: SelectProps) {
  return (
    <select
      aria-invalid={invalid || undefined}
      className={cn(fieldClassName(size, invalid), "pr-1", className)}
      {...props}
    >
      {options?.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
      {children}
    </select>
  );
}
