package dev.banger.cli.vm;

import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.VmSpec;
import dev.banger.cli.CliException;
import dev.banger.cli.Sizes;
import picocli.CommandLine.Option;

/**
 * What a new VM is made of: the options of {@code vm create} and {@code vm run}. Unset → the
 * service's defaults.
 */
final class VmSpecOptions {

  @Option(
      names = "--name",
      description = "VM name (a DNS label; <name>.vm). Default: a generated adjective-noun.")
  String name;

  @Option(
      names = "--image",
      description = "Image name or id. Default: the configured default image.")
  String image;

  @Option(
      names = "--kernel",
      description = "Kernel name or id. Default: the image's, else the newest.")
  String kernel;

  @Option(names = "--vcpu", description = "vCPUs (1-64).")
  Integer vcpu;

  @Option(names = "--memory", paramLabel = "SIZE", description = "Memory, e.g. 1G or 512M.")
  String memory;

  @Option(
      names = "--disk-size",
      paramLabel = "SIZE",
      description = "Work disk (/root) size, e.g. 8G.")
  String diskSize;

  @Option(
      names = "--nat",
      description = "Let the VM reach the outside through the host (off by default).")
  boolean nat;

  @Option(
      names = "--keep-failed",
      description =
          "Keep the VM (state error, for 'banger vm logs') when its first"
              + " start is cancelled; by default a cancelled create leaves nothing. A failed start is always kept.")
  boolean keepFailed;

  @Option(
      names = "--snapshot",
      paramLabel = "SNAPSHOT",
      description =
          "Start from this snapshot ('banger snapshot create') instead of booting: copies of its"
              + " disks and its saved state, running on with a name and address of its own."
              + " Image, kernel and sizes come from the snapshot.")
  String snapshot;

  CreateVmRequest.Builder request() {
    CreateVmRequest.Builder b =
        CreateVmRequest.newBuilder()
            .setRequestId(java.util.UUID.randomUUID().toString())
            .setKeepFailed(keepFailed);
    if (name != null) {
      b.setName(name);
    }
    if (image != null) {
      b.setImage(image);
    }
    if (kernel != null) {
      b.setKernel(kernel);
    }
    if (snapshot != null) {
      b.setSnapshot(snapshot);
    }
    VmSpec.Builder s = VmSpec.newBuilder().setNat(nat);
    // 0 on the wire means "the default": a 0 typed by the user is refused, not taken as that.
    if (vcpu != null) {
      if (vcpu < 1 || vcpu > 64) {
        throw new CliException("--vcpu must be 1..64, got " + vcpu, 2, null);
      }
      s.setVcpu(vcpu);
    }
    if (memory != null) {
      long mib = Sizes.bytes("--memory", memory.matches("[0-9]+") ? memory + "M" : memory) >> 20;
      if (mib < 1) {
        throw new CliException("--memory must be at least 1M, got " + memory, 2, null);
      }
      s.setMemoryMib((int) Math.min(mib, Integer.MAX_VALUE));
    }
    if (diskSize != null) {
      long bytes = Sizes.bytes("--disk-size", diskSize);
      if (bytes < 1) {
        throw new CliException("--disk-size must be more than 0, got " + diskSize, 2, null);
      }
      s.setWorkDiskBytes(bytes);
    }
    return b.setSpec(s);
  }
}
