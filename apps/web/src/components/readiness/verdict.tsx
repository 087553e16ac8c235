import { cn } from "~/lib/utils";
import { CheckIcon, CrossIcon } from "./icons";

export type VerdictProps = {
  ready: boolean;
  size?: "md" | "lg";
  className?: string;
};

/** The one answer of the console: is the head commit release-ready. Tests read its text. */
export function Verdict({ ready, size = "md", className }: VerdictProps) {
  return (
    <span
      data-testid="verdict"
      data-ready={ready}
      className={cn(
        "inline-flex items-center gap-1 rounded font-semibold tracking-wide whitespace-nowrap",
        size === "lg" ? "h-7 px-2.5 text-base [&_svg]:size-4" : "h-6 px-2 text-sm [&_svg]:size-3.5",
        ready
          ? "bg-status-passed-ink text-white"
          : "border border-status-failed-edge bg-status-failed-soft text-status-failed-ink",
        className,
      )}
    >
      {ready ? <CheckIcon /> : <CrossIcon />}
      {ready ? "READY" : "NOT READY"}
    </span>
  );
}
