package dev.banger.vm.driver;

/**
 * How QEMU runs guest code. KVM is chosen only when a probe showed it boots our kernel: on these
 * machines /dev/kvm exists but hangs stock kernels (docs/architecture.md §8), so TCG is the default
 * and config can force either.
 */
public enum Accelerator {
  KVM("kvm"),
  TCG("tcg,thread=multi");

  final String qemuArg;

  Accelerator(String qemuArg) {
    this.qemuArg = qemuArg;
  }
}
