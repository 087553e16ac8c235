"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSession } from "~/components/auth/use-session";
import { Loading, QueryError } from "~/components/readiness/query-state";
import { Section } from "~/components/ui/card";
import { Table, TBody, TH, THead, TR } from "~/components/ui/table";
import { useTRPC } from "~/trpc/react";
import { AddHookForm } from "./add-hook-form";
import { DeliveriesTable } from "./deliveries-table";
import { HookRow } from "./hook-row";

function Hooks() {
  const trpc = useTRPC();
  const hooks = useQuery({ ...trpc.news.hooks.queryOptions(), refetchInterval: 10_000 });
  const count = hooks.data
    ? `${hooks.data.hooks.length} ${hooks.data.hooks.length === 1 ? "receiver" : "receivers"}`
    : undefined;
  return (
    <>
      <Section title="Webhooks" description={count} flush>
        {hooks.isError ? (
          <QueryError error={hooks.error} what="the hooks" className="m-3" />
        ) : hooks.isPending ? (
          <div className="px-3">
            <Loading what="the hooks" />
          </div>
        ) : hooks.data.hooks.length === 0 ? (
          <p className="px-3 py-4 text-sm text-ink-muted">
            No receivers yet: add one below. Each gets readiness changes and failed release lanes as they happen,
            signed.
          </p>
        ) : (
          <Table className="text-sm" data-testid="hooks-table">
            <THead>
              <TR>
                <TH className="w-64">Receiver</TH>
                <TH className="w-36">Format</TH>
                <TH className="w-52">Events</TH>
                <TH>Deliveries</TH>
                <TH className="w-16">Sends</TH>
                <TH className="w-80">
                  <span className="sr-only">Actions</span>
                </TH>
              </TR>
            </THead>
            <TBody>
              {hooks.data.hooks.map((h) => (
                <HookRow key={h.id} hook={h} />
              ))}
            </TBody>
          </Table>
        )}
        <div className="border-t border-line p-3">
          <h3 className="mb-2 text-xs font-semibold tracking-wide text-ink-muted uppercase">Add hook</h3>
          <AddHookForm />
          <p className="mt-2 text-xs text-ink-muted">
            Each POST is signed:{" "}
            <code className="font-mono">X-Proofboard-Signature: sha256=HMAC(secret, timestamp.body)</code>. Anything but
            a 2xx is tried again after 30 s, 2 min, 10 min, 1 h, 3 h and 6 h; redirects are not followed.
            {hooks.data &&
              !hooks.data.publicUrl &&
              " Links in messages use PROOFBOARD_API_URL: set PROOFBOARD_PUBLIC_URL to the address people use."}
          </p>
        </div>
      </Section>
      <Section
        title="Commit statuses"
        description={hooks.data?.forge ? `${hooks.data.forge.forge} · ${hooks.data.forge.repo}` : "not configured"}
        flush
      >
        {hooks.data?.forge ? (
          <>
            <p className="px-3 pt-2 text-xs text-ink-muted">
              Each readiness change sets <code className="font-mono">proofboard/release-ready</code> (and{" "}
              <code className="font-mono">proofboard/gate/&lt;gate&gt;</code>) on the head commit through{" "}
              {hooks.data.forge.apiUrl}.
            </p>
            <DeliveriesTable target="forge" />
          </>
        ) : (
          <p className="px-3 py-3 text-sm text-ink-muted">
            Set <code className="font-mono">PROOFBOARD_FORGE</code> (github, gitea or gitlab),{" "}
            <code className="font-mono">PROOFBOARD_FORGE_TOKEN</code> and{" "}
            <code className="font-mono">PROOFBOARD_FORGE_REPO</code> for the web app to post each branch head&apos;s
            readiness as a commit status (README: News).
          </p>
        )}
      </Section>
    </>
  );
}

/** Outgoing news: webhook receivers, their deliveries, and commit statuses on the forge. Admins only. */
export function NewsPage() {
  const { user, loading } = useSession();
  if (loading) return <Loading what="the hooks" />;
  if (user?.role !== "admin") {
    return (
      <p className="text-ink-muted">
        Webhooks and commit statuses are for admins:{" "}
        <Link href="/login?next=/news" className="underline">
          log in as one
        </Link>
        .
      </p>
    );
  }
  return (
    <div className="flex max-w-7xl flex-col gap-3">
      <Hooks />
    </div>
  );
}
