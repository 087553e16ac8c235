"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";
import { useSession, type SessionUser } from "~/components/auth/use-session";
import { Loading, QueryError } from "~/components/readiness/query-state";
import { Section } from "~/components/ui/card";
import { VisibleText } from "~/components/ui/visible-text";
import { useNow } from "~/lib/use-now";
import { useTRPC } from "~/trpc/react";
import { ROLE_CAN } from "./access";
import { NewTokenForm } from "./new-token-form";
import { TokenTable } from "./token-table";

const Code = ({ children }: { children: ReactNode }) => (
  <code className="rounded border border-line bg-zinc-50 px-1 font-mono text-xs whitespace-nowrap max-sm:whitespace-normal max-sm:[overflow-wrap:anywhere]">
    {children}
  </code>
);

function Who({ user }: { user: SessionUser }) {
  return (
    <Section title="Account">
      <dl className="grid grid-cols-[6rem_1fr] gap-x-3 gap-y-1 text-sm" data-testid="who">
        <dt className="text-ink-muted">Name</dt>
        <dd className="font-medium">
          <VisibleText text={user.name} />
        </dd>
        <dt className="text-ink-muted">Role</dt>
        <dd>
          <span className="font-medium">{user.role}</span>{" "}
          <span className="text-ink-muted">— {ROLE_CAN[user.role]}</span>
        </dd>
      </dl>
      <p className="mt-2 text-xs text-ink-muted">
        Roles are given by an admin. A change of role logs you out everywhere, so pages pick it up.
      </p>
    </Section>
  );
}

/** How the CLI takes a token, with this server's address filled in (the page renders only in the browser). */
function CliHelp({ name }: { name: string }) {
  const origin = typeof window === "undefined" ? "http://…" : window.location.origin;
  return (
    <Section title="Using a token" description="the proofboard CLI and scripts">
      <div className="flex flex-col gap-2 text-sm">
        <p>
          Easiest:{" "}
          <Code>
            PROOFBOARD_API_URL={origin} proofboard login --name {name}
          </Code>{" "}
          asks for your password, makes a token for this machine and stores it (mode 0600);{" "}
          <Code>proofboard logout</Code> revokes it again.
        </p>
        <p>
          Or make one here and hand it over in the environment, e.g. in CI:{" "}
          <Code>PROOFBOARD_TOKEN=pb_… proofboard rerun BRANCH LANE</Code>. It wins over a stored one.
        </p>
        <p className="text-xs text-ink-muted">
          Any other client sends it as <Code>Authorization: Bearer pb_…</Code>. A token acts as you, capped by its
          scope, until it expires or is revoked.
        </p>
      </div>
    </Section>
  );
}

function Tokens({ user }: { user: SessionUser }) {
  const trpc = useTRPC();
  const tokens = useQuery(trpc.tokens.list.queryOptions({}));
  const now = useNow(30_000);
  const count = tokens.data
    ? `${tokens.data.filter((t) => !t.revokedAt && Date.parse(t.expiresAt) > now).length} active`
    : undefined;
  return (
    <Section title="API tokens" description={count} flush>
      {tokens.isError ? (
        <QueryError error={tokens.error} what="your tokens" className="m-3" />
      ) : tokens.isPending ? (
        <div className="px-3">
          <Loading what="your tokens" />
        </div>
      ) : tokens.data.length === 0 ? (
        <p className="px-3 py-4 text-sm text-ink-muted">
          No tokens yet. Make one below, or run <Code>proofboard login</Code>.
        </p>
      ) : (
        <TokenTable tokens={tokens.data} />
      )}
      <div className="border-t border-line p-3">
        <h3 className="mb-2 text-xs font-semibold tracking-wide text-ink-muted uppercase">New token</h3>
        <NewTokenForm role={user.role} />
      </div>
    </Section>
  );
}

/** The logged-in user's own page: who they are and their API tokens. */
export function AccountPage() {
  const { user, loading } = useSession();
  if (loading) return <Loading what="your account" />;
  if (!user) {
    return (
      <p className="text-ink-muted">
        This page is about your account:{" "}
        <Link href="/login?next=/account" className="underline">
          log in
        </Link>{" "}
        first.
      </p>
    );
  }
  return (
    <div className="flex max-w-6xl flex-col gap-3">
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-[2fr_3fr]">
        <Who user={user} />
        <CliHelp name={user.name} />
      </div>
      <Tokens user={user} />
    </div>
  );
}
