"use client";

import { useRef, useState } from "react";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";

/** A hook's secret, which the server hands out once: the receiver needs it to check signatures. */
export function SecretOnce({ secret, what, onDone }: { secret: string; what: string; onDone: () => void }) {
  const box = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);

  async function copy() {
    box.current?.select();
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      // No clipboard API (plain http): copy the selection the old way.
      try {
        setCopied(document.execCommand("copy") ? "yes" : "no");
      } catch {
        setCopied("no");
      }
    }
  }

  return (
    <div
      className="flex flex-col gap-1.5 rounded-md border border-status-passed-edge bg-status-passed-soft p-2.5"
      data-testid="hook-secret"
    >
      <div className="flex items-center gap-1.5">
        <Input
          ref={box}
          readOnly
          aria-label={what}
          value={secret}
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
        <span className="font-medium">Shown only now:</span> give it to the receiver, which checks{" "}
        <code className="font-mono">X-Proofboard-Signature</code> with it (README: News). A Slack webhook ignores it.
      </p>
      {copied === "no" && (
        <p role="alert" className="text-xs text-status-failed">
          This browser did not let the page copy it: it is selected, copy it by hand.
        </p>
      )}
    </div>
  );
}
