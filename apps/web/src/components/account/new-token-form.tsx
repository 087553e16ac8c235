"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Field, Input } from "~/components/ui/input";
import { Select } from "~/components/ui/select";
import { useTRPC } from "~/trpc/react";
import { errorText, MAX_TOKEN_DAYS, SCOPE_CAN, scopesFor, TOKEN_NAME, type Role, type Scope } from "./access";

/**
 * The token itself, which the server hands out once and never again (it keeps only a hash). The
 * clipboard API needs a secure context; elsewhere the selected text is copied the old way.
 */
function TokenOnce({ token, onDone }: { token: string; onDone: () => void }) {
  const box = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);

  async function copy() {
    box.current?.select();
    let ok: boolean;
    try {
      await navigator.clipboard.writeText(token);
      ok = true;
    } catch {
      // No clipboard API here (plain http), or permission refused: copy the selection instead.
      try {
        ok = document.execCommand("copy");
      } catch {
        ok = false;
      }
    }
    setCopied(ok ? "yes" : "no");
  }

  return (
    <div
      className="flex flex-col gap-1.5 rounded-md border border-status-passed/40 bg-status-passed-soft p-2.5"
      data-testid="new-token"
    >
      <div className="flex items-center gap-1.5">
        <Input
          ref={box}
          readOnly
          aria-label="New API token"
          value={token}
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
          className="flex-1 font-mono text-xs"
        />
        <Button size="xs" variant="outline" onClick={() => void copy()}>
          {copied === "yes" ? "Copied" : "Copy"}
        </Button>
        <Button size="xs" variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
      <p className="text-xs text-ink">
        <span className="font-medium">Shown only now: store it</span> (e.g.{" "}
        <code className="font-mono">proofboard login</code> does this for the CLI, or set{" "}
        <code className="font-mono">PROOFBOARD_TOKEN</code>).
      </p>
      {copied === "no" && (
        <p role="alert" className="text-xs text-status-failed">
          This browser did not let the page copy it: it is selected, copy it by hand.
        </p>
      )}
    </div>
  );
}

/** Makes an API token for the logged-in user, with at most the scope their role allows. */
export function NewTokenForm({ role }: { role: Role }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const scopes = scopesFor(role);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<Scope>(scopes[scopes.length - 1] ?? "read");
  const [days, setDays] = useState("90");
  const [problem, setProblem] = useState<string | null>(null);
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: () => {
        setName("");
        return queryClient.invalidateQueries(trpc.tokens.list.pathFilter());
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const n = Number(days);
    const trimmed = name.trim();
    if (!TOKEN_NAME.test(trimmed))
      return setProblem("Name: 1-64 of letters, digits, space . _ @ : - (starting with a letter or digit).");
    if (!Number.isInteger(n) || n < 1 || n > MAX_TOKEN_DAYS)
      return setProblem(`Days: a whole number from 1 to ${MAX_TOKEN_DAYS}.`);
    setProblem(null);
    create.mutate({ name: trimmed, scope, days: n });
  }

  const error = problem ?? (create.isError ? errorText(create.error) : null);
  return (
    <div className="flex flex-col gap-2.5">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2" aria-label="New token">
        <Field label="Name">
          <Input
            className="w-56"
            value={name}
            maxLength={64}
            required
            placeholder="e.g. laptop CLI"
            spellCheck={false}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field label="Scope">
          <Select value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
            {scopes.map((s) => (
              <option key={s} value={s}>
                {s}: {SCOPE_CAN[s]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Days">
          <Input
            className="w-16"
            type="number"
            min={1}
            max={MAX_TOKEN_DAYS}
            required
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
        </Field>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? "Making…" : "Make token"}
        </Button>
      </form>
      {error && (
        <p role="alert" className="text-xs text-status-failed">
          {error}
        </p>
      )}
      {scopes.length < 3 && (
        <p className="text-xs text-ink-muted">
          As {role === "viewer" ? "a viewer" : `an ${role}`} your tokens may have the {scopes[scopes.length - 1]} scope
          at most.
        </p>
      )}
      {create.data && <TokenOnce token={create.data.token} onDone={() => create.reset()} />}
    </div>
  );
}
