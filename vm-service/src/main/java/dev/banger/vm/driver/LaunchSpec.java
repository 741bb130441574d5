package dev.banger.vm.driver;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything a VMM needs to boot one VM, already validated and resolved by vm-service: the drivers
 * turn it into their own configuration (a QEMU command line, Firecracker API calls) and never see
 * user strings that were not checked first.
 *
 * @param vmId the VM's UUID (names the process in {@code ps} and the QMP greeting)
 * @param kernel vmlinux (preferred: PVH entry, boots faster under TCG) or bzImage
 * @param initrd the kernel's initrd, needed by kernels with virtio/ext4 as modules (Debian's)
 * @param bootArgs the kernel command line without the console and timing arguments the driver adds
 * @param rootDisk the VM's rootfs overlay, attached first ({@code /dev/vda})
 * @param workDisk the VM's work disk ({@code /dev/vdb}), if any
 * @param tap the tap device to attach the NIC to, with its MAC, if the VM has a network
 * @param runDir the VM's private runtime directory: sockets, pid file, console log
 */
public record LaunchSpec(
    String vmId,
    int vcpus,
    int memoryMib,
    Path kernel,
    Optional<Path> initrd,
    String bootArgs,
    Path rootDisk,
    Optional<Path> workDisk,
    Optional<Nic> tap,
    Path runDir) {

  /** A NIC backed by a tap device the VMM opens itself (net-service made it ours). */
  public record Nic(String tapName, String mac) {
    public Nic {
      if (!tapName.matches("[a-z0-9][a-z0-9-]{0,14}")) {
        throw new IllegalArgumentException(
            "tap name must be 1-15 of [a-z0-9-], got " + tapName.length() + " chars");
      }
      if (!mac.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
        throw new IllegalArgumentException("MAC must be six lower-case hex pairs");
      }
    }
  }

  public LaunchSpec {
    if (vcpus < 1 || vcpus > 64) {
      throw new IllegalArgumentException("vcpus must be 1..64, got " + vcpus);
    }
    if (memoryMib < 128 || memoryMib > 1 << 20) {
      throw new IllegalArgumentException(
          "memory must be 128 MiB..1 TiB, got " + memoryMib + " MiB");
    }
  }

  public Path consoleLog() {
    return runDir.resolve("console.log");
  }
}
