"use client";

import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { cn } from "~/lib/utils";
import { Button } from "./button";

export type AlertDialogProps = {
  open: boolean;
  title: ReactNode;
  description?: ReactNode;
  confirmLabel?: string;
  cancelLabel?: string;
  /** The action cannot be undone or costs something (a host slot, someone's sessions): the confirm button is red. */
  destructive?: boolean;
  onConfirm: () => void;
  /** Cancel button, Esc, or the dialog being closed any other way. */
  onCancel: () => void;
};

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A question that must be answered before going on, in place of window.confirm: it reads like the
 * rest of the page, screen readers announce it as an alert dialog, and it can be tested.
 *
 * Built on a modal <dialog>, so the page behind is inert. Focus starts on Cancel (the answer that
 * changes nothing), Tab cycles inside, Esc cancels, and focus goes back to whatever opened it.
 */
export function AlertDialog({
  open,
  title,
  description,
  confirmLabel = "Confirm",
  cancelLabel = "Cancel",
  destructive = false,
  onConfirm,
  onCancel,
}: AlertDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  // Set while we close the dialog ourselves, so that close is not mistaken for the person cancelling.
  const closing = useRef(false);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!open || !dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closing.current = false;
    if (!dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      closing.current = true;
      if (dialog.open) dialog.close();
      // A row can re-render while the dialog is up; only a still-attached opener can take focus back.
      if (opener?.isConnected) opener.focus();
    };
  }, [open]);

  function onKeyDown(event: KeyboardEvent<HTMLDialogElement>) {
    if (event.key === "Escape") {
      // Handled here rather than by the dialog's cancel event, which Chromium skips without a recent click.
      event.preventDefault();
      onCancel();
      return;
    }
    // Tab past the last button would otherwise leave for the browser's own toolbar.
    if (event.key !== "Tab" || !ref.current) return;
    const items = Array.from(ref.current.querySelectorAll<HTMLElement>(FOCUSABLE));
    if (items.length === 0) return;
    const first = items[0]!;
    const last = items[items.length - 1]!;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  if (!open) return null;
  // Out of the row it was opened from: a <dialog> is not valid inside a <span> or <td>.
  return createPortal(
    <dialog
      ref={ref}
      role="alertdialog"
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={description != null ? descriptionId : undefined}
      data-testid="alert-dialog"
      onKeyDown={onKeyDown}
      onCancel={(event) => {
        // Closing is the parent's decision (it unmounts us), so the browser must not close it first.
        event.preventDefault();
        onCancel();
      }}
      onClose={() => {
        // The browser closed it anyway (e.g. a close request it would not let us refuse): that is a "no".
        if (!closing.current) onCancel();
      }}
      className={cn(
        "m-auto w-[min(28rem,calc(100vw-2rem))] rounded-md border border-line bg-surface p-0 text-ink shadow-lg",
        "backdrop:bg-zinc-950/30",
      )}
    >
      <div className="flex flex-col gap-3 px-4 py-3">
        <h2 id={titleId} className="text-base font-semibold">
          {title}
        </h2>
        {description != null && (
          <div id={descriptionId} className="text-sm text-ink-muted [overflow-wrap:anywhere]">
            {description}
          </div>
        )}
        <div className="flex justify-end gap-2">
          <Button ref={cancelRef} variant="outline" onClick={onCancel}>
            {cancelLabel}
          </Button>
          <Button variant={destructive ? "destructive" : "default"} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </div>
      </div>
    </dialog>,
    document.body,
  );
}

export type ConfirmOptions = Omit<AlertDialogProps, "open" | "onConfirm" | "onCancel">;

/**
 * `await confirm({...})` where code used `window.confirm(...)`: resolves true or false. Render the
 * returned element once, anywhere in the component.
 */
export function useConfirm(): [(options: ConfirmOptions) => Promise<boolean>, ReactNode] {
  const [asked, setAsked] = useState<ConfirmOptions | null>(null);
  const resolver = useRef<((answer: boolean) => void) | null>(null);
  const answer = useCallback((value: boolean) => {
    resolver.current?.(value);
    resolver.current = null;
    setAsked(null);
  }, []);
  const confirm = useCallback((options: ConfirmOptions) => {
    // A second question while one is open answers the first with "no" rather than leaving it hanging.
    resolver.current?.(false);
    setAsked(options);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);
  // Unmounted while asking (navigated away): the caller's await ends with "no".
  useEffect(() => () => resolver.current?.(false), []);
  const element = (
    <AlertDialog
      open={asked !== null}
      title={asked?.title ?? ""}
      {...asked}
      onConfirm={() => answer(true)}
      onCancel={() => answer(false)}
    />
  );
  return [confirm, element];
}
