export { ensureGuestAssets, type GuestAssets } from "./assets";
export { packCpio, parentDirs, type CpioEntry } from "./cpio";
export { componentOverlay, isServiceName } from "./initrd";
export {
  bootVm,
  kernelCmdline,
  qemuArgv,
  QEMU_BINARY,
  type Accel,
  type BootOptions,
  type QemuArgvOptions,
  type RunningVm,
  type VmExit,
} from "./qemu";
export { accelFor, detectAccel, probeKvm, type AccelChoice, type KvmProbe } from "./accel";
