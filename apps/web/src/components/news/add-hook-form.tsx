"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { errorText } from "~/components/account/access";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { Field, Input } from "~/components/ui/input";
import { Select } from "~/components/ui/select";
import { useTRPC } from "~/trpc/react";
import { EVENT_LABEL, EVENTS, type NewsEvent } from "./labels";
import { SecretOnce } from "./secret-once";

/** Adds a receiver; its secret (generated unless given) is shown once, under the form. */
export function AddHookForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [format, setFormat] = useState<"proofboard" | "slack">("proofboard");
  const [events, setEvents] = useState<NewsEvent[]>(["readiness.changed", "lane.failed"]);
  const [branchFilter, setBranchFilter] = useState("");
  const [secret, setSecret] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const create = useMutation(
    trpc.news.create.mutationOptions({
      onSuccess: () => {
        setName("");
        setUrl("");
        setSecret("");
        setBranchFilter("");
        return queryClient.invalidateQueries(trpc.news.hooks.pathFilter());
      },
    }),
  );

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!/^https?:\/\//i.test(url.trim())) return setProblem("URL: an http:// or https:// address.");
    if (events.length === 0) return setProblem("Pick at least one event.");
    setProblem(null);
    create.mutate({
      name: name.trim(),
      url: url.trim(),
      format,
      events,
      branchFilter: branchFilter.trim() || null,
      secret: secret || undefined,
    });
  }

  const toggle = (ev: NewsEvent, on: boolean) =>
    setEvents((now) => (on ? [...new Set([...now, ev])] : now.filter((x) => x !== ev)));
  const error = problem ?? (create.isError ? errorText(create.error) : null);
  return (
    <div className="flex flex-col gap-2.5">
      <form onSubmit={submit} className="flex flex-col gap-2.5" aria-label="Add hook">
        <div className="flex flex-wrap items-end gap-2">
          <Field label="Name">
            <Input
              className="w-44"
              value={name}
              maxLength={64}
              required
              placeholder="e.g. release chat"
              onChange={(e) => setName(e.target.value)}
            />
          </Field>
          <Field label="URL" className="min-w-72 flex-1">
            <Input
              value={url}
              required
              placeholder="https://hooks.slack.com/services/…"
              spellCheck={false}
              onChange={(e) => setUrl(e.target.value)}
            />
          </Field>
          <Field label="Format">
            <Select value={format} onChange={(e) => setFormat(e.target.value as "proofboard" | "slack")}>
              <option value="proofboard">Proofboard JSON</option>
              <option value="slack">Slack message</option>
            </Select>
          </Field>
        </div>
        <div className="flex flex-wrap items-end gap-x-4 gap-y-2">
          <fieldset className="flex flex-col gap-1">
            <legend className="mb-1 text-xs font-medium text-ink-muted">Events</legend>
            <div className="flex flex-wrap gap-3 text-sm">
              {EVENTS.map((ev) => (
                <Checkbox
                  key={ev}
                  label={EVENT_LABEL[ev]}
                  checked={events.includes(ev)}
                  onCheckedChange={(on) => toggle(ev, on)}
                />
              ))}
            </div>
          </fieldset>
          <Field label="Branches (empty: all)">
            <Input
              className="w-52"
              value={branchFilter}
              placeholder="main, release/*"
              spellCheck={false}
              onChange={(e) => setBranchFilter(e.target.value)}
            />
          </Field>
          <Field label="Secret (empty: generated)">
            <Input
              className="w-52"
              type="password"
              autoComplete="off"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
            />
          </Field>
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? "Adding…" : "Add hook"}
          </Button>
        </div>
      </form>
      {error && (
        <p role="alert" className="text-xs text-status-failed">
          {error}
        </p>
      )}
      {create.data && (
        <SecretOnce
          secret={create.data.secret}
          what={`the secret of ${create.data.hook.name}`}
          onDone={() => create.reset()}
        />
      )}
    </div>
  );
}
