package dev.banger.bench;

import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.VmServiceGrpc;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Boot time to SSH-ready of one image booted two ways, in one run: debian-bookworm (systemd, udev,
 * sshd) on its own systemd, and the same recipe pulled with {@code guest_kit} so banger's guest kit
 * is its init and SSH server (docs/guest-kit.md). CreateVm to its end (SSH-ready) for each, rounds
 * alternating which goes first. Usage: KitBench [rounds]
 */
public final class KitBench {

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    VmBench.withStack(
        "bgr-kit-bench-",
        VmBench.SMALL_STACK_CONFIG,
        (images, kernel) -> {
          long t0 = System.nanoTime();
          VmBench.last(
              images.pullImage(
                  PullImageRequest.newBuilder()
                      .setReference("debian-bookworm")
                      .setName("bookworm-kit")
                      .setKernel(kernel)
                      .setGuestKit(true)
                      .build()));
          System.out.printf(
              "image bookworm-kit (the same recipe, guest kit) built in %.1f s%n",
              (System.nanoTime() - t0) / 1e9);
        },
        (ch, ns, state) -> run(ch, rounds));
  }

  static void run(ManagedChannel ch, int rounds) throws Exception {
    var vms = VmServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.MINUTES);
    List<Double> systemd = new ArrayList<>();
    List<Double> kit = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      boolean kitFirst = r % 2 == 1;
      for (int i = 0; i < 2; i++) {
        boolean useKit = (i == 0) == kitFirst;
        String name = (useKit ? "kit-" : "sysd-") + r;
        long t0 = System.nanoTime();
        VmBench.last(
            vms.createVm(
                CreateVmRequest.newBuilder()
                    .setName(name)
                    .setImage(useKit ? "bookworm-kit" : "debian-bookworm")
                    .build()));
        double s = (System.nanoTime() - t0) / 1e9;
        (useKit ? kit : systemd).add(s);
        System.out.printf(
            "round %d: %s create to SSH-ready %.1f s%n", r + 1, useKit ? "kit    " : "systemd", s);
        vms.deleteVm(DeleteVmRequest.newBuilder().setVm(name).setForce(true).build());
      }
    }
    double k = median(kit);
    double d = median(systemd);
    System.out.printf(
        "create to SSH-ready, p50 of %d: systemd %.1f s, guest kit %.1f s (kit/systemd %.2f)%n",
        rounds, d, k, k / d);
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
