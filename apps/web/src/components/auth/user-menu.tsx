"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { authClient } from "./auth-client";
import { useSession } from "./use-session";

/** The top bar's right end: who is logged in and a way out, or a way in that comes back here. */
export function UserMenu() {
  const pathname = usePathname();
  const router = useRouter();
  const { user, loading, changed } = useSession();
  const [leaving, setLeaving] = useState(false);
  const [failed, setFailed] = useState(false);

  // Nothing until the answer is known, so a logged-in operator never sees "Log in" flash by.
  if (loading) return null;

  if (!user) {
    if (pathname === "/login") return null;
    return (
      <Button asChild variant="ghost" size="xs">
        <Link href={`/login?next=${encodeURIComponent(pathname)}`}>Log in</Link>
      </Button>
    );
  }

  async function logout() {
    setLeaving(true);
    setFailed(false);
    try {
      await authClient.auth.logout.mutate();
      await changed(null);
      router.refresh();
    } catch {
      setFailed(true);
    } finally {
      setLeaving(false);
    }
  }

  return (
    <span className="flex items-center gap-2 text-sm">
      <Link
        href="/account"
        aria-current={pathname === "/account" ? "page" : undefined}
        className="text-ink hover:underline aria-[current=page]:font-medium"
        title={`logged in as ${user.name}: your account and API tokens`}
      >
        {user.name} <span className="text-ink-muted">({user.role})</span>
      </Link>
      {failed && (
        <span role="alert" className="text-xs text-status-failed">
          could not log out
        </span>
      )}
      <Button variant="ghost" size="xs" disabled={leaving} onClick={() => void logout()}>
        {leaving ? "Logging out…" : "Log out"}
      </Button>
    </span>
  );
}
