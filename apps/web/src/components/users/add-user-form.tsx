"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { errorText, MIN_PASSWORD_LENGTH, ROLES, USER_NAME, type Role } from "~/components/account/access";
import { Button } from "~/components/ui/button";
import { Field, Input } from "~/components/ui/input";
import { Select } from "~/components/ui/select";
import { useTRPC } from "~/trpc/react";

/** A new person: a name as the CLI and audit log will show it, a first role, a first password. */
export function AddUserForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: () => {
        setName("");
        setPassword("");
        return queryClient.invalidateQueries(trpc.users.list.pathFilter());
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!USER_NAME.test(trimmed)) return setProblem("Name: 1-64 of a-z 0-9 . _ -, starting with a letter or digit.");
    if (password.length < MIN_PASSWORD_LENGTH)
      return setProblem(`Password: at least ${MIN_PASSWORD_LENGTH} characters.`);
    setProblem(null);
    create.mutate({ name: trimmed, role, password });
  }

  const error = problem ?? (create.isError ? errorText(create.error) : null);
  return (
    <div className="flex flex-col gap-2">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2" aria-label="Add user">
        <Field label="Name">
          <Input
            className="w-40"
            value={name}
            maxLength={64}
            required
            autoCapitalize="none"
            autoComplete="off"
            spellCheck={false}
            placeholder="e.g. jdoe"
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field label="Role">
          <Select value={role} options={ROLES} onChange={(e) => setRole(e.target.value as Role)} />
        </Field>
        <Field label="Password">
          <Input
            className="w-48"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            placeholder={`at least ${MIN_PASSWORD_LENGTH} characters`}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? "Adding…" : "Add user"}
        </Button>
      </form>
      {error && (
        <p role="alert" className="text-xs text-status-failed">
          {error}
        </p>
      )}
      {create.data && !error && (
        <p role="status" className="text-xs text-status-passed-ink">
          Added {create.data.name} as {create.data.role}: they can log in now.
        </p>
      )}
    </div>
  );
}
