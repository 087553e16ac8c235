"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { TokenTable } from "~/components/account/token-table";
import { useSession } from "~/components/auth/use-session";
import { Loading, QueryError } from "~/components/readiness/query-state";
import { Section } from "~/components/ui/card";
import { Table, TBody, TH, THead, TR } from "~/components/ui/table";
import { useTRPC } from "~/trpc/react";
import { AddUserForm } from "./add-user-form";
import { UserRow } from "./user-row";

function People({ me }: { me: string }) {
  const trpc = useTRPC();
  const users = useQuery(trpc.users.list.queryOptions());
  // The same query as the token table below: fetched once, counted here.
  const tokens = useQuery(trpc.tokens.list.queryOptions({ user: "*" }));
  const activeTokens = (name: string) =>
    tokens.data?.filter((t) => t.user === name && !t.revokedAt && Date.parse(t.expiresAt) > Date.now()).length;
  const count = users.data ? `${users.data.length} ${users.data.length === 1 ? "person" : "people"}` : undefined;
  return (
    <Section title="Users" description={count} flush>
      {users.isError ? (
        <QueryError error={users.error} what="the users" className="m-3" />
      ) : users.isPending ? (
        <div className="px-3">
          <Loading what="the users" />
        </div>
      ) : (
        <Table className="text-sm" data-testid="users-table">
          <THead>
            <TR>
              <TH className="w-56">Name</TH>
              <TH className="w-[26rem]">Role</TH>
              <TH className="w-28">Tokens</TH>
              <TH className="w-28">Added</TH>
              <TH>
                <span className="sr-only">Password</span>
              </TH>
            </TR>
          </THead>
          <TBody>
            {users.data.map((u) => (
              <UserRow key={u.id} person={u} self={u.name === me} activeTokens={activeTokens(u.name)} />
            ))}
          </TBody>
        </Table>
      )}
      <div className="border-t border-line p-3">
        <h3 className="mb-2 text-xs font-semibold tracking-wide text-ink-muted uppercase">Add user</h3>
        <AddUserForm />
        <p className="mt-2 text-xs text-ink-muted">
          A change of role or password logs that person out everywhere; their API tokens stay, capped by the new role.
        </p>
      </div>
    </Section>
  );
}

function AllTokens() {
  const trpc = useTRPC();
  const tokens = useQuery(trpc.tokens.list.queryOptions({ user: "*" }));
  return (
    <Section title="All API tokens" description="everyone's, newest first" flush>
      {tokens.isError ? (
        <QueryError error={tokens.error} what="the tokens" className="m-3" />
      ) : tokens.isPending ? (
        <div className="px-3">
          <Loading what="the tokens" />
        </div>
      ) : tokens.data.length === 0 ? (
        <p className="px-3 py-4 text-sm text-ink-muted">Nobody has a token yet.</p>
      ) : (
        <TokenTable tokens={tokens.data} showUser />
      )}
    </Section>
  );
}

/** People, their roles and everyone's API tokens. Admins only. */
export function UsersPage() {
  const { user, loading } = useSession();
  if (loading) return <Loading what="the users" />;
  if (user?.role !== "admin") {
    return (
      <p className="text-ink-muted">
        Users and roles are for admins:{" "}
        <Link href="/login?next=/users" className="underline">
          log in as one
        </Link>
        .
      </p>
    );
  }
  return (
    <div className="flex max-w-6xl flex-col gap-3">
      <People me={user.name} />
      <AllTokens />
    </div>
  );
}
