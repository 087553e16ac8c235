import type { Metadata } from "next";
import { env } from "@proofboard/env";
import { LoginForm } from "~/components/auth/login-form";
import { safeNextPath } from "~/components/auth/safe-next";
import { Section } from "~/components/ui/card";

export const metadata: Metadata = { title: "Log in" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

// The note depends on how this server is set up (PROOFBOARD_READ_ACCESS), read per request.
export const dynamic = "force-dynamic";

export default async function Page({ searchParams }: Props) {
  const query = await searchParams;
  const next = Array.isArray(query.next) ? query.next[0] : query.next;
  return (
    <div className="mx-auto mt-12 max-w-sm">
      <Section title="Log in">
        <p className="mb-3 text-sm text-ink-muted">
          {env().PROOFBOARD_READ_ACCESS === "login" ? "Reading needs a login here." : "Reading needs no login."}{" "}
          Rerunning, cancelling, syncing, holding a lane&apos;s VMs and typing into them need an operator.
        </p>
        <LoginForm next={safeNextPath(next)} />
      </Section>
    </div>
  );
}
