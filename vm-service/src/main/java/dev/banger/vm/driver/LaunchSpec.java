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
 * @param kitDisk banger's guest kit (read-only, attached after the others), for images without a
 *     usable init: the kernel then mounts it as root and its init moves into the rootfs
 *     (docs/guest-kit.md)
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
    Path runDir,
    Optional<Path> kitDisk) {

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

  /**
   * The kernel's root arguments when the disks appear in the order root, work, kit (QEMU attaches
   * them in the order given): the rootfs, read-write; or, with the kit, the kit read-only (never
   * checked: it is never written) and the devices its init mounts, passed as {@code banger.*}.
   */
  public String rootArgs() {
    if (kitDisk.isEmpty()) {
      return "root=/dev/vda rw";
    }
    return workDisk.isPresent()
        ? kitArgs("/dev/vdc", "/dev/vda", "/dev/vdb")
        : kitArgs("/dev/vdb", "/dev/vda", null);
  }

  /**
   * The same for a VMM that puts the kit first, as its root device (Firecracker always attaches the
   * root device as {@code vda}).
   */
  public String kitFirstRootArgs() {
    return workDisk.isPresent()
        ? kitArgs("/dev/vda", "/dev/vdb", "/dev/vdc")
        : kitArgs("/dev/vda", "/dev/vdb", null);
  }

  private static String kitArgs(String kit, String root, String work) {
    return "root="
        + kit
        + " ro fsck.mode=skip banger.root="
        + root
        + (work == null ? "" : " banger.work=" + work);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Fields by name; optional parts default to empty and the boot arguments to none. */
  public static final class Builder {
    private String vmId;
    private int vcpus;
    private int memoryMib;
    private Path kernel;
    private Optional<Path> initrd = Optional.empty();
    private String bootArgs = "";
    private Path rootDisk;
    private Optional<Path> workDisk = Optional.empty();
    private Optional<Nic> tap = Optional.empty();
    private Path runDir;
    private Optional<Path> kitDisk = Optional.empty();

    private Builder() {}

    public Builder vmId(String v) {
      vmId = v;
      return this;
    }

    public Builder vcpus(int v) {
      vcpus = v;
      return this;
    }

    public Builder memoryMib(int v) {
      memoryMib = v;
      return this;
    }

    public Builder kernel(Path v) {
      kernel = v;
      return this;
    }

    public Builder initrd(Optional<Path> v) {
      initrd = v;
      return this;
    }

    public Builder bootArgs(String v) {
      bootArgs = v;
      return this;
    }

    public Builder rootDisk(Path v) {
      rootDisk = v;
      return this;
    }

    public Builder workDisk(Optional<Path> v) {
      workDisk = v;
      return this;
    }

    public Builder tap(Optional<Nic> v) {
      tap = v;
      return this;
    }

    public Builder runDir(Path v) {
      runDir = v;
      return this;
    }

    public Builder kitDisk(Optional<Path> v) {
      kitDisk = v;
      return this;
    }

    public LaunchSpec build() {
      return new LaunchSpec(
          vmId, vcpus, memoryMib, kernel, initrd, bootArgs, rootDisk, workDisk, tap, runDir,
          kitDisk);
    }
  }
}
