"use client";

import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import { authClient } from "./auth-client";
import { useSession } from "./use-session";

/** Bad input (a name too long to be anyone's) reads like a wrong password: neither tells which names exist. */
function describe(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const code: unknown = (error.data as { code?: unknown } | null | undefined)?.code;
    if (code === "UNAUTHORIZED" || code === "BAD_REQUEST") return "Unknown user or wrong password.";
    return `Could not log in: ${error.message}`;
  }
  return "Could not log in: the server did not answer.";
}

export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  const { changed } = useSession();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await authClient.auth.login.mutate({ name: name.trim(), password });
      await changed();
      router.replace(next);
    } catch (e) {
      setError(describe(e));
      setPending(false);
    }
  }

  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="flex flex-col gap-3"
      aria-describedby={error ? "login-error" : undefined}
    >
      <label className="flex flex-col gap-1 text-sm font-medium text-ink">
        Name
        <Input
          size="md"
          className="w-full"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          maxLength={64}
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <label className="flex flex-col gap-1 text-sm font-medium text-ink">
        Password
        <Input
          size="md"
          className="w-full"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {error && (
        <p id="login-error" role="alert" className="text-sm text-status-failed">
          {error}
        </p>
      )}
      <Button type="submit" disabled={pending} className="self-start">
        {pending ? "Logging in…" : "Log in"}
      </Button>
    </form>
  );
}
