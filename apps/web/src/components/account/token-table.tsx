"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Mono } from "~/components/ui/mono";
import { RelativeTime } from "~/components/ui/relative-time";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { VisibleText } from "~/components/ui/visible-text";
import { useNow } from "~/lib/use-now";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";
import { errorText, tokenState, type TokenRow, type TokenState } from "./access";

const STATE_CLASS: Record<TokenState, string> = {
  active: "text-status-passed-ink",
  expired: "text-ink-muted",
  revoked: "text-status-failed",
};

/** Revoking cannot be undone, so the button asks once more, in place. */
function RevokeCell({ token }: { token: TokenRow }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.tokens.list.pathFilter()),
      onSettled: () => setAsking(false),
    }),
  );
  const label = `${token.name} (${token.prefix}…)`;
  return (
    <span className="inline-flex items-center justify-end gap-1.5">
      {revoke.isError && (
        <span role="alert" className="max-w-64 truncate text-xs text-status-failed" title={errorText(revoke.error)}>
          {errorText(revoke.error)}
        </span>
      )}
      {asking ? (
        <>
          <span className="text-xs text-ink-muted">Revoke for good?</span>
          <Button
            size="xs"
            className="bg-status-failed hover:bg-status-failed/90 active:bg-status-failed"
            aria-label={`Confirm revoking ${label}`}
            disabled={revoke.isPending}
            onClick={() => revoke.mutate({ id: token.id })}
          >
            {revoke.isPending ? "Revoking…" : "Revoke"}
          </Button>
          <Button size="xs" variant="ghost" disabled={revoke.isPending} onClick={() => setAsking(false)}>
            Keep
          </Button>
        </>
      ) : (
        <Button size="xs" variant="outline" aria-label={`Revoke ${label}`} onClick={() => setAsking(true)}>
          Revoke
        </Button>
      )}
    </span>
  );
}

function Row({ token, showUser, now }: { token: TokenRow; showUser: boolean; now: number }) {
  const state = tokenState(token, now);
  const live = state === "active";
  return (
    <TR data-token={token.prefix} data-state={state} className={live ? undefined : "text-ink-muted"}>
      {showUser && (
        <TD className="font-medium">
          <VisibleText text={token.user} />
        </TD>
      )}
      <TD className="max-w-56 truncate" title={token.name}>
        <VisibleText text={token.name} />
      </TD>
      <TD>
        <Mono title="the token's first characters; the rest is never stored">{token.prefix}…</Mono>
      </TD>
      <TD>{token.scope}</TD>
      <TD className={STATE_CLASS[state]}>
        {state === "revoked" && token.revokedAt ? (
          <span>
            revoked <RelativeTime date={token.revokedAt} />
          </span>
        ) : (
          state
        )}
      </TD>
      <TD>
        <RelativeTime date={token.expiresAt} />
      </TD>
      <TD>
        {token.lastUsedAt ? <RelativeTime date={token.lastUsedAt} /> : <span className="text-ink-muted">never</span>}
      </TD>
      <TD>
        {token.createdBy ?? <span className="text-ink-muted">—</span>}{" "}
        <RelativeTime className="text-xs text-ink-muted" date={token.createdAt} />
      </TD>
      <TD className="text-right">{live && <RevokeCell token={token} />}</TD>
    </TR>
  );
}

export type TokenTableProps = {
  tokens: TokenRow[];
  /** The admin's view of everyone's tokens names whose each one is. */
  showUser?: boolean;
  className?: string;
};

/** API tokens, newest first, with the live ones revocable; expired and revoked ones stay listed, greyed. */
export function TokenTable({ tokens, showUser = false, className }: TokenTableProps) {
  const now = useNow(30_000);
  return (
    <Table className={cn("text-sm", className)} data-testid={showUser ? "all-tokens" : "tokens"}>
      <THead>
        <TR>
          {showUser && <TH>User</TH>}
          <TH>Name</TH>
          <TH>Token</TH>
          <TH>Scope</TH>
          <TH>State</TH>
          <TH>Expires</TH>
          <TH>Last used</TH>
          <TH>Created by</TH>
          <TH className="w-72">
            <span className="sr-only">Actions</span>
          </TH>
        </TR>
      </THead>
      <TBody>
        {tokens.map((t) => (
          <Row key={t.id} token={t} showUser={showUser} now={now} />
        ))}
      </TBody>
    </Table>
  );
}
