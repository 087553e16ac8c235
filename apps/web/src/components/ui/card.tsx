import type { ComponentProps, ReactNode } from "react";
import { cn } from "~/lib/utils";

export function Card({ className, ...props }: ComponentProps<"div">) {
  return <div className={cn("rounded-md border border-line bg-surface", className)} {...props} />;
}

export type SectionProps = Omit<ComponentProps<"section">, "title"> & {
  title: ReactNode;
  /** Secondary text right after the title, e.g. a count or the commit it is about. */
  description?: ReactNode;
  /** Controls at the right end of the header, e.g. a rerun button. */
  actions?: ReactNode;
  /** Drop the body padding, for a table that should run edge to edge. */
  flush?: boolean;
};

export function Section({ title, description, actions, flush = false, className, children, ...props }: SectionProps) {
  return (
    <section className={cn("rounded-md border border-line bg-surface", className)} {...props}>
      {/* On a phone the description takes a line of its own under the title and the actions. */}
      <header className="flex min-h-9 flex-wrap items-center gap-x-2 gap-y-0.5 border-b border-line px-3 py-1.5 sm:flex-nowrap">
        <h2 className="text-sm font-semibold text-ink">{title}</h2>
        {description != null && (
          <div className="min-w-0 truncate text-sm text-ink-muted max-sm:order-last max-sm:basis-full max-sm:whitespace-normal">
            {description}
          </div>
        )}
        {actions != null && <div className="ml-auto flex shrink-0 items-center gap-1.5">{actions}</div>}
      </header>
      <div className={flush ? undefined : "p-3"}>{children}</div>
    </section>
  );
}
