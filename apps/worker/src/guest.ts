import { env } from "@proofboard/env";
import { detectAccel, ensureGuestAssets } from "@proofboard/vm";
import type { GuestAssets } from "./lane-vms";

/**
 * The demo guest for VM lanes, built once per machine into the cache (the first build downloads
 * a Debian kernel package). Started in the background when the worker starts, so the first VM
 * lane rarely waits; a host that cannot build it runs VM lanes as unsupported, with the reason.
 */
export function guestProvider(
  cacheDir: string,
  log: (line: string) => void,
): () => Promise<GuestAssets | { unavailable: string }> {
  const ready = (async () => {
    try {
      const assets = await ensureGuestAssets(cacheDir, (l) => log(`guest: ${l}`));
      const accel = await detectAccel(
        { kernel: assets.kernel, initrd: assets.initrd, workDir: cacheDir },
        env().PROOFBOARD_VM_ACCEL,
      );
      log(`guest: kernel ${assets.kernelVersion}, ${accel.accel} (${accel.reason})`);
      return { kernel: assets.kernel, initrd: assets.initrd, accel: accel.accel };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      log(`guest: unavailable: ${why}`);
      return { unavailable: why };
    }
  })();
  return () => ready;
}
