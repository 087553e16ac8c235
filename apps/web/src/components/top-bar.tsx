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
    <header className="sticky top-0 z-40 flex h-10 items-center gap-5 border-b border-line bg-surface px-4">
      <Link href="/" className="text-sm font-semibold tracking-tight text-ink">
        Proofboard
      </Link>
      <nav aria-label="Main" className="flex h-full items-stretch gap-1">
        {links.map(({ href, label }) => {
          const active = isActive(pathname, href);
          return (
            <Link
              key={href}
              href={href}
              aria-current={active ? "page" : undefined}
              className={cn(
                "-mb-px flex items-center border-b-2 px-2 text-sm",
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
