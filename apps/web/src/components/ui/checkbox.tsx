import type { ComponentProps, ReactNode } from "react";
import { cn } from "~/lib/utils";

export type CheckboxProps = Omit<ComponentProps<"input">, "type" | "onChange"> & {
  /** The visible name; clicking it toggles the box. */
  label: ReactNode;
  onCheckedChange?: (checked: boolean) => void;
  /** Classes for the wrapping label (layout); `className` goes to the box itself. */
  labelClassName?: string;
};

export function Checkbox({
  label,
  onCheckedChange,
  labelClassName,
  className,
  disabled,
  title,
  ...props
}: CheckboxProps) {
  return (
    <label
      title={title}
      className={cn(
        "inline-flex cursor-pointer items-center gap-1 select-none",
        disabled && "cursor-not-allowed opacity-50",
        labelClassName,
      )}
    >
      <input
        type="checkbox"
        disabled={disabled}
        className={cn(
          "size-3.5 cursor-pointer accent-status-running focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-status-running",
          "disabled:cursor-not-allowed",
          className,
        )}
        onChange={(e) => onCheckedChange?.(e.target.checked)}
        {...props}
      />
      {label}
    </label>
  );
}
