package dev.banger.bangerd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.state.ServiceName;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The end-to-end VM tests' stack: Debian's kernel imported from the host and the debian-bookworm
 * image built from Debian's mirror (outside the namespace: only image-service and disk-service run
 * there, for the mirror), then all four services inside a network namespace the test made, so
 * bridge, taps and guests exist only there. {@link #close} leaves nothing: VMs, processes of the
 * state dir, the namespace, the state dir.
 */
final class BootedStack implements AutoCloseable {

  static final String CONFIG =
      """
      shutdown_grace_seconds = 5
      [net]
      tap_pool_size = 0
      [vm]
      vcpu = 2
      memory_mib = 1024
      work_disk_bytes = 536870912
      system_overlay_bytes = 1073741824
      boot_timeout_seconds = 300
      stop_timeout_seconds = 60
      """;

  final String netns;
  final Path state;
  final VmStack stack;
  private final String label;

  private BootedStack(String netns, Path state, VmStack stack, String label) {
    this.netns = netns;
    this.state = state;
    this.stack = stack;
    this.label = label;
  }

  /** Skips (loudly) without root or a tool the tests need; else builds and starts it all. */
  static BootedStack start(String netns, String label) throws Exception {
    return start(netns, label, "");
  }

  /**
   * {@code extraConfig}: TOML after CONFIG, so it may only open tables of its own ({@code
   * [[file_sync]]}): a top-level key there would land in CONFIG's last table.
   */
  static BootedStack start(String netns, String label, String extraConfig) throws Exception {
    return start(netns, label, extraConfig, false);
  }

  /**
   * @param forceAgain pull the image a second time with force, so every guest of this stack boots
   *     from a forced replacement (a minute more: the recipe is built again)
   */
  static BootedStack start(String netns, String label, String extraConfig, boolean forceAgain)
      throws Exception {
    return start(netns, label, extraConfig, forceAgain, true, (images, kernel) -> {});
  }

  /** More images, pulled outside the namespace after the kernel (and the catalog image). */
  interface Prep {
    void pull(ImageServiceGrpc.ImageServiceBlockingStub images, Kernel kernel) throws Exception;
  }

  /**
   * @param catalogImage build debian-bookworm (a stack whose tests use only {@code prep}'s images
   *     saves the minutes it takes)
   */
  static BootedStack start(
      String netns,
      String label,
      String extraConfig,
      boolean forceAgain,
      boolean catalogImage,
      Prep morePulls)
      throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "SKIPPED LOUDLY: needs root (netns, bridge, taps)");
    for (String tool :
        List.of(
            "qemu-system-x86_64",
            "ip",
            "nft",
            "mmdebstrap",
            "ssh",
            "mkfs.ext4",
            "debugfs",
            "git")) {
      assumeTrue(
          VmStack.RUN
              .run(Command.of("sh", "-c", "PATH=$PATH:/sbin:/usr/sbin command -v " + tool).build())
              .succeeded(),
          "SKIPPED LOUDLY: " + tool + " is missing (.ci/run installs it)");
    }
    String release = hostKernelRelease();
    assumeTrue(
        release != null, "SKIPPED LOUDLY: no /boot/vmlinuz-* (apt-get install linux-image-amd64)");
    Path state = Files.createTempDirectory(Path.of("/tmp"), "bgvm-");
    String config = CONFIG + "\n" + extraConfig;
    VmStack stack = new VmStack(netns, state, config);
    BootedStack b = new BootedStack(netns, state, stack, label);
    try {
      long t0 = System.nanoTime();
      try (VmStack prep = new VmStack(netns, state, config)) {
        prep.start(false, "--service", "disk");
        VmStack img = new VmStack(netns, state, config);
        img.start(false, "--service", "image");
        try {
          var images = ImageServiceGrpc.newBlockingStub(img.channel(ServiceName.IMAGE));
          Kernel k =
              last(images
                      .withDeadlineAfter(5, TimeUnit.MINUTES)
                      .importKernel(
                          ImportKernelRequest.newBuilder()
                              .setFromHost(true)
                              .setHostRelease(release)
                              .build()))
                  .getKernel();
          if (catalogImage) {
            pullCatalogImage(images, k, t0, label, forceAgain);
          }
          morePulls.pull(images, k);
        } finally {
          img.stop();
        }
      }
      VmStack.createNetns(netns);
      stack.start(true, "--all");
      return b;
    } catch (Throwable t) {
      b.close();
      throw t;
    }
  }

  private static void pullCatalogImage(
      ImageServiceGrpc.ImageServiceBlockingStub images,
      Kernel k,
      long t0,
      String label,
      boolean forceAgain) {
    long t1 = System.nanoTime();
    var pulled =
        last(
            images
                .withDeadlineAfter(15, TimeUnit.MINUTES)
                .pullImage(
                    PullImageRequest.newBuilder()
                        .setReference("debian-bookworm")
                        .setKernel(k.getName())
                        .build()));
    System.out.printf(
        "[%s] kernel %s imported in %d ms; image %s built in %d ms%n",
        label,
        k.getVersion(),
        (t1 - t0) / 1_000_000,
        pulled.getImage().getName(),
        (System.nanoTime() - t1) / 1_000_000);
    if (forceAgain) {
      var forced =
          last(
              images
                  .withDeadlineAfter(15, TimeUnit.MINUTES)
                  .pullImage(
                      PullImageRequest.newBuilder()
                          .setReference("debian-bookworm")
                          .setKernel(k.getName())
                          .setForce(true)
                          .build()));
      assertNotEquals(pulled.getImage().getId(), forced.getImage().getId(), "force builds anew");
      assertFalse(
          Files.exists(Path.of(pulled.getImage().getRootfsPath())), "the replaced rootfs is gone");
      System.out.printf(
          "[%s] image %s pulled again with force: %s replaces %s%n",
          label, forced.getImage().getName(), forced.getImage().getId(), pulled.getImage().getId());
    }
  }

  static String hostKernelRelease() throws Exception {
    try (Stream<Path> s = Files.list(Path.of("/boot"))) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("vmlinuz-"))
          .sorted()
          .reduce((a, b) -> b)
          .map(n -> n.substring("vmlinuz-".length()))
          .orElse(null);
    }
  }

  static <T> T last(Iterator<T> it) {
    T t = null;
    while (it.hasNext()) {
      t = it.next();
    }
    return t;
  }

  VmServiceGrpc.VmServiceBlockingStub vms() {
    return VmServiceGrpc.newBlockingStub(stack.channel(ServiceName.VM))
        .withDeadlineAfter(10, TimeUnit.MINUTES);
  }

  /**
   * The real {@code banger} binary, run inside the namespace (ssh reaches the guests only there).
   */
  CommandResult banger(String... args) throws Exception {
    List<String> a =
        new ArrayList<>(
            List.of(
                DistBangerd.DIST.resolve("bin/banger").toAbsolutePath().toString(),
                "--state-dir",
                state.toString()));
    a.addAll(List.of(args));
    return stack.inNetns(Duration.ofMinutes(10), a.toArray(String[]::new));
  }

  @Override
  public void close() throws Exception {
    try {
      try {
        for (Vm v : vms().listVms(ListVmsRequest.getDefaultInstance()).getVmsList()) {
          vms().deleteVm(DeleteVmRequest.newBuilder().setVm(v.getId()).setForce(true).build());
        }
      } catch (StatusRuntimeException e) {
        System.out.println("[" + label + "] cleanup: " + e.getStatus());
      }
      stack.stop();
    } finally {
      // Whatever a failed test left: QEMU processes of this state dir, then the namespace.
      VmStack.RUN.run(Command.of("pkill", "-9", "-f", state.toString()).build());
      stack.deleteCloneNetnsNames();
      VmStack.deleteNetns(netns);
      VmStack.RUN.run(Command.of("rm", "-rf", "--one-file-system", state.toString()).build());
    }
  }
}
