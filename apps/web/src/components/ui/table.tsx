import type { ComponentProps } from "react";
import { cn } from "~/lib/utils";
import { ScrollX } from "./scroll-x";

export function Table({ className, ...props }: ComponentProps<"table">) {
  return (
    // The wrapper scrolls wide tables sideways instead of widening the whole page.
    <ScrollX>
      <table className={cn("w-full border-collapse text-left text-base", className)} {...props} />
    </ScrollX>
  );
}

export function THead({ className, ...props }: ComponentProps<"thead">) {
  return <thead className={cn("border-b border-line [&_tr]:hover:bg-transparent", className)} {...props} />;
}

export function TBody({ className, ...props }: ComponentProps<"tbody">) {
  return <tbody className={cn("[&>tr:last-child]:border-b-0", className)} {...props} />;
}

export function TR({ className, ...props }: ComponentProps<"tr">) {
  return <tr className={cn("border-b border-line hover:bg-zinc-50/70", className)} {...props} />;
}

export function TH({ className, ...props }: ComponentProps<"th">) {
  return (
    <th
      className={cn("h-7 px-2 text-xs font-medium tracking-wide whitespace-nowrap text-ink-muted uppercase", className)}
      {...props}
    />
  );
}

export function TD({ className, ...props }: ComponentProps<"td">) {
  return <td className={cn("h-8 px-2 align-middle", className)} {...props} />;
}
