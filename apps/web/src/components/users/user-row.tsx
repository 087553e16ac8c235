"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { errorText, MIN_PASSWORD_LENGTH, ROLES, type Role } from "~/components/account/access";
import { useSession } from "~/components/auth/use-session";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import { RelativeTime } from "~/components/ui/relative-time";
import { Select } from "~/components/ui/select";
import { TD, TR } from "~/components/ui/table";
import { VisibleText } from "~/components/ui/visible-text";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";

export type Person = RouterOutputs["users"]["list"][number];

function Problem({ text }: { text: string }) {
  return (
    <span role="alert" className="max-w-72 truncate text-xs text-status-failed" title={text}>
      {text}
    </span>
  );
}

/**
 * Picking a role only proposes it: the change logs the person out everywhere (so no open page keeps
 * acting with the old role), which is worth a second click.
 */
function RoleCell({ person, self }: { person: Person; self: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { changed } = useSession();
  const [wanted, setWanted] = useState<Role | null>(null);
  const setRole = useMutation(
    trpc.users.setRole.mutationOptions({
      onSuccess: async () => {
        // Changing one's own role ended this very session: everything is fetched again, logged out.
        if (self) await changed();
        else await queryClient.invalidateQueries(trpc.users.list.pathFilter());
        // Only now, so the select never flips back to the old role while the list is refetched.
        setWanted(null);
      },
    }),
  );
  return (
    <span className="inline-flex flex-wrap items-center gap-1.5">
      <Select
        aria-label={`Role of ${person.name}`}
        size="xs"
        options={ROLES}
        value={wanted ?? person.role}
        disabled={setRole.isPending}
        onChange={(e) => {
          const role = e.target.value as Role;
          setRole.reset();
          setWanted(role === person.role ? null : role);
        }}
      />
      {wanted && (
        <>
          <span className="text-xs text-ink-muted">
            {self ? "ends your own session" : `ends ${person.name}'s sessions`}
          </span>
          <Button
            size="xs"
            aria-label={`Make ${person.name} ${wanted}`}
            disabled={setRole.isPending}
            onClick={() => setRole.mutate({ name: person.name, role: wanted })}
          >
            {setRole.isPending ? "Changing…" : "Change role"}
          </Button>
          <Button size="xs" variant="ghost" disabled={setRole.isPending} onClick={() => setWanted(null)}>
            Cancel
          </Button>
        </>
      )}
      {setRole.isError && <Problem text={errorText(setRole.error)} />}
    </span>
  );
}

/** A new password for someone who lost theirs; it too ends their sessions. */
function PasswordCell({ person }: { person: Person }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const save = useMutation(
    trpc.users.setPassword.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        setPassword("");
        setDone(true);
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate({ name: person.name, password });
  }

  if (!open) {
    return (
      <span className="inline-flex items-center justify-end gap-1.5">
        {done && (
          <span role="status" className="text-xs text-status-passed-ink">
            password set; sessions ended
          </span>
        )}
        <Button
          size="xs"
          variant="outline"
          aria-label={`Set password of ${person.name}`}
          onClick={() => {
            setOpen(true);
            setDone(false);
          }}
        >
          Set password…
        </Button>
      </span>
    );
  }
  const short = password.length < MIN_PASSWORD_LENGTH;
  return (
    <form onSubmit={submit} className="inline-flex items-center justify-end gap-1.5">
      {save.isError && <Problem text={errorText(save.error)} />}
      <Input
        type="password"
        autoComplete="new-password"
        aria-label={`New password for ${person.name}`}
        placeholder={`at least ${MIN_PASSWORD_LENGTH} characters`}
        size="xs"
        className="w-44"
        value={password}
        autoFocus
        onChange={(e) => setPassword(e.target.value)}
      />
      <Button
        type="submit"
        size="xs"
        disabled={short || save.isPending}
        title={short ? `at least ${MIN_PASSWORD_LENGTH} characters` : undefined}
      >
        {save.isPending ? "Saving…" : "Save"}
      </Button>
      <Button
        size="xs"
        variant="ghost"
        disabled={save.isPending}
        onClick={() => {
          setOpen(false);
          setPassword("");
          save.reset();
        }}
      >
        Cancel
      </Button>
    </form>
  );
}

/** `activeTokens` is undefined while everyone's tokens are still loading (or could not be). */
export function UserRow({
  person,
  self,
  activeTokens,
}: {
  person: Person;
  self: boolean;
  activeTokens: number | undefined;
}) {
  return (
    <TR data-user={person.name}>
      <TD className="font-medium">
        <VisibleText text={person.name} />
        {self && <span className="ml-1.5 text-xs font-normal text-ink-muted">(you)</span>}
      </TD>
      <TD>
        <RoleCell person={person} self={self} />
      </TD>
      <TD className={activeTokens ? undefined : "text-ink-muted"}>
        {activeTokens === undefined ? "…" : `${activeTokens} active`}
      </TD>
      <TD>
        <RelativeTime date={person.createdAt} />
      </TD>
      <TD className="text-right">
        <PasswordCell person={person} />
      </TD>
    </TR>
  );
}
