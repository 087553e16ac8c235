import { Badge } from "~/components/ui/badge";
import { cn } from "~/lib/utils";

const HOST_CLASS: Record<string, { hint: string; tone: string }> = {
  "nested-kvm": {
    hint: "needs /dev/kvm with nested virtualization",
    tone: "border-indigo-200 bg-indigo-50 text-indigo-800",
  },
  kvm: { hint: "needs /dev/kvm", tone: "border-sky-200 bg-sky-50 text-sky-800" },
  tcg: { hint: "runs anywhere: QEMU TCG emulation is enough", tone: "border-line bg-zinc-50 text-ink-muted" },
};

/** What a lane demands of a host (or what a host offers): the most demanding class first. */
export function HostClassBadge({ hostClass, className }: { hostClass: string; className?: string }) {
  const known = HOST_CLASS[hostClass];
  return (
    <Badge title={known?.hint ?? hostClass} className={cn("font-mono font-normal", known?.tone, className)}>
      {hostClass}
    </Badge>
  );
}
