/**
 * A host's capabilities arrive as free JSON (measured by its worker, possibly an older one), so
 * each field is read only when it has the expected type.
 */
export type HostCapabilities = {
  kvm: boolean | null;
  nestedVirtualization: boolean | null;
  cpus: number | null;
  memoryBytes: number | null;
  qemuVersion: string | null;
  kernel: string | null;
};

export function readCapabilities(raw: unknown): HostCapabilities {
  const o = raw != null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const bool = (v: unknown) => (typeof v === "boolean" ? v : null);
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  return {
    kvm: bool(o.kvm),
    nestedVirtualization: bool(o.nestedVirtualization),
    cpus: num(o.cpus),
    memoryBytes: num(o.memoryBytes),
    qemuVersion: str(o.qemuVersion),
    kernel: str(o.kernel),
  };
}

export function formatMemory(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return gib >= 10 ? `${Math.round(gib)} GiB` : `${gib.toFixed(1)} GiB`;
}
