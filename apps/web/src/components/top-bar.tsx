"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { UserMenu } from "~/components/auth/user-menu";
import { useSession } from "~/components/auth/use-session";
import { cn } from "~/lib/utils";

const LINKS = [
  { href: "/", label: "Readiness" },
  { href: "/runs", label: "Runs" },
  { href: "/lanes", label: "Lanes" },
  { href: "/hosts", label: "Hosts" },
] as const;

/** Only admins may manage users or read the audit log, so only they see the way to them. */
const ADMIN_LINKS = [
  { href: "/users", label: "Users" },
  { href: "/news", label: "News" },
  { href: "/audit", label: "Audit" },
] as const;

function isActive(pathname: string, href: string): boolean {
  // A branch page is a zoom into the readiness overview, so "Readiness" stays lit there.
  if (href === "/") return pathname === "/" || pathname.startsWith("/branches/");
  return pathname === href || pathname.startsWith(`${href}/`);
}

export function TopBar() {
  const pathname = usePathname();
  const { user } = useSession();
  const links = user?.role === "admin" ? [...LINKS, ...ADMIN_LINKS] : LINKS;
  return (
    // On a phone the links take a row of their own under the name and the user, and the bar
    // scrolls away with the page: a sticky two-row bar would eat a fifth of the screen.
    <header className="z-40 flex flex-wrap items-center gap-x-5 border-b border-line bg-surface px-4 sm:sticky sm:top-0 sm:h-10 sm:flex-nowrap">
      <Link href="/" className="flex h-10 items-center text-sm font-semibold tracking-tight text-ink">
        Proofboard
      </Link>
      <nav
        aria-label="Main"
        className="order-last -mx-2 flex h-9 w-[calc(100%+1rem)] items-stretch overflow-x-auto sm:order-none sm:mx-0 sm:h-full sm:w-auto sm:gap-1 sm:overflow-visible"
      >
        {links.map(({ href, label }) => {
          const active = isActive(pathname, href);
          return (
            <Link
              key={href}
              href={href}
              aria-current={active ? "page" : undefined}
              className={cn(
                "flex shrink-0 items-center border-b-2 px-1.5 text-sm sm:-mb-px sm:px-2",
                active ? "border-ink font-medium text-ink" : "border-transparent text-ink-muted hover:text-ink",
              )}
            >
              {label}
            </Link>
          );
        })}
      </nav>
      <div className="ml-auto">
        <UserMenu />
      </div>
    </header>
  );
}
