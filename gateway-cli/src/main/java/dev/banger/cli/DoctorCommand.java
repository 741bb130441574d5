package dev.banger.cli;

import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.api.image.v1.GetKernelRequest;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.cli.host.HostChecks;
import dev.banger.cli.host.HostChecks.Check;
import dev.banger.cli.host.HostChecks.Status;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.ConfigLoader;
import dev.banger.kit.config.VmConfig;
import dev.banger.kit.state.StateLayout;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code banger doctor}: what this host has and lacks for banger, each check PASS, WARN or FAIL
 * with a one-line fix. Exit 1 when any check FAILs, so a provisioning script can stop on it.
 */
@Command(
    name = "doctor",
    description = "Check this host: KVM, VMMs, tools, services, image, kernel, disk.",
    mixinStandardHelpOptions = true)
final class DoctorCommand implements Callable<Integer> {

  @CommandLine.ParentCommand Banger parent;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin Output output;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "bangerd's config, for [vm] default_image, driver and accel (default: /etc/banger/config.toml if present).")
  Path config;

  @Override
  public Integer call() throws Exception {
    boolean json = output.json();
    StateLayout layout = parent.layout();
    List<Check> checks = new ArrayList<>();
    VmConfig vm = VmConfig.empty();
    dev.banger.kit.config.BangerConfig full = dev.banger.kit.config.BangerConfig.defaults();
    try {
      full = ConfigLoader.load(config);
      vm = full.vmOrDefaults();
    } catch (ConfigException e) {
      checks.add(
          new Check(
              "config",
              Status.WARN,
              e.getMessage() + "; defaults assumed",
              "fix the file bangerd reads"));
    }
    HostChecks host = HostChecks.fromSystem();
    checks.add(host.kvm(layout.kvmProbeCache(), vm.accelOrDefault()));
    checks.addAll(host.vmms(vm));
    checks.addAll(host.tools());
    List<ServiceHealth.Row> health = ServiceHealth.probeAll(layout, 2);
    for (ServiceHealth.Row r : health) {
      checks.add(
          r.serving()
              ? Check.pass(r.service() + "-service", r.socket() + " (" + r.detail() + ")")
              : new Check(
                  r.service() + "-service",
                  Status.FAIL,
                  r.state()
                      + " at "
                      + r.socket()
                      + (r.detail().startsWith("no socket") ? " (no socket)" : ": " + r.detail()),
                  r.state().equals("DENIED")
                      ? "ask the administrator to allow your user"
                      : "start bangerd: 'bangerd --all --state-dir DIR', or its systemd units"));
    }
    boolean imageUp = health.stream().anyMatch(r -> r.service().equals("image") && r.serving());
    try (Services s = new Services(layout)) {
      checks.add(
          imageUp ? defaultImage(s, vm.defaultImageOrDefault()) : notChecked("default-image"));
      checks.add(imageUp ? kernel(s, vm.defaultKernel()) : notChecked("kernel"));
      checks.add(imageUp ? images(s) : notChecked("images"));
    }
    checks.add(vmDefaults(full.vmSizing(dev.banger.kit.config.VmSizing.Host.probe())));
    checks.add(HostChecks.writable(layout.libDir(), layout.equals(StateLayout.production())));
    checks.add(HostChecks.freeSpace(layout.libDir()));
    String home =
        System.getProperty("banger.home"); // bin/banger: its installation; absent when embedded
    if (home != null) {
      checks.add(HostChecks.startupCache(Path.of(home)));
    }
    print(spec.commandLine().getOut(), checks, json ? output : null);
    return checks.stream().anyMatch(c -> c.status() == Status.FAIL) ? 1 : 0;
  }

  /**
   * What a VM gets when its create names no size, and from where ([vm_defaults], [vm], host,
   * floor).
   */
  static Check vmDefaults(dev.banger.kit.config.VmSizing.Resolved r) {
    return Check.pass(
        "vm-defaults",
        r.vcpu().value()
            + " vCPU ("
            + r.vcpu().source()
            + "), "
            + r.memoryMib().value()
            + " MiB ("
            + r.memoryMib().source()
            + "), "
            + Sizes.human(r.workDiskBytes().value())
            + " disk ("
            + r.workDiskBytes().source()
            + ")");
  }

  private static Check notChecked(String check) {
    return new Check(
        check,
        Status.WARN,
        "not checked: image-service is not serving",
        "see the image-service line");
  }

  private static Check defaultImage(Services s, String name) {
    try {
      Image i = s.image().getImage(GetImageRequest.newBuilder().setImage(name).build()).getImage();
      return i.getManaged()
          ? Check.pass("default-image", name + " (" + Sizes.human(i.getRootfsSizeBytes()) + ")")
          : new Check(
              "default-image",
              Status.WARN,
              name + " is registered but not promoted, so VMs cannot use it",
              "banger image promote " + name);
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND
          ? new Check(
              "default-image", Status.FAIL, name + " is not pulled", "banger image pull " + name)
          : new Check(
              "default-image",
              Status.FAIL,
              "cannot ask for " + name + ": " + CliErrors.of(e).getMessage(),
              "");
    }
  }

  /**
   * How the images' VMs boot (docs/guest-kit.md): a kit image whose kit is not built here fails,
   * one whose own command cannot run warns; otherwise the count of each kind.
   */
  static Check images(Services s) {
    List<Image> all;
    try {
      all = dev.banger.cli.image.ImageCommand.all(s);
    } catch (StatusRuntimeException e) {
      return new Check(
          "images", Status.FAIL, "cannot list images: " + CliErrors.of(e).getMessage(), "");
    }
    int kit = 0;
    for (Image i : all) {
      if (i.getGuestBoot() != dev.banger.api.image.v1.GuestBoot.GUEST_BOOT_KIT) {
        continue;
      }
      kit++;
      if (i.getKitPath().isEmpty()) {
        return new Check(
            "images",
            Status.FAIL,
            i.getName() + " boots banger's guest kit, which is not built on this host",
            "banger image pull --force " + i.getOrigin());
      }
      if (!i.getCommand().getProblem().isEmpty()) {
        return new Check(
            "images",
            Status.WARN,
            i.getName() + "'s own command cannot run: " + i.getCommand().getProblem(),
            "give its VMs a command: banger vm run --image " + i.getName() + " -- CMD");
      }
    }
    return Check.pass(
        "images",
        all.size()
            + " image"
            + (all.size() == 1 ? "" : "s")
            + ": "
            + (all.size() - kit)
            + " boot their own systemd, "
            + kit
            + " banger's guest kit");
  }

  private static Check kernel(Services s, String configured) {
    try {
      if (configured != null) {
        var k =
            s.image()
                .getKernel(GetKernelRequest.newBuilder().setKernel(configured).build())
                .getKernel();
        return Check.pass("kernel", k.getName() + " (" + k.getVersion() + "), [vm] default_kernel");
      }
      var ks = s.image().listKernels(ListKernelsRequest.newBuilder().setPageSize(1).build());
      return ks.getKernelsCount() == 0
          ? new Check(
              "kernel", Status.FAIL, "no kernel is imported", "banger kernel import --from-host")
          : Check.pass(
              "kernel",
              ks.getKernels(0).getName() + (ks.getNextPageToken().isEmpty() ? "" : " and more"));
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND
          ? new Check(
              "kernel",
              Status.FAIL,
              "[vm] default_kernel " + configured + " is not imported",
              "banger kernel import --name " + configured + " …, or change the config")
          : new Check(
              "kernel", Status.FAIL, "cannot list kernels: " + CliErrors.of(e).getMessage(), "");
    }
  }

  /** {@code json}: the -o to render with; null for the table. */
  private static void print(PrintWriter out, List<Check> checks, Output json) {
    if (json != null) {
      out.println(json.render(checks));
      return;
    }
    for (Check c : checks) {
      out.printf("%-4s  %-15s %s%n", c.status(), c.check(), c.detail());
      if (!c.fix().isEmpty() && c.status() != Status.PASS) {
        out.printf("      %-15s fix: %s%n", "", c.fix());
      }
    }
    long fails = checks.stream().filter(c -> c.status() == Status.FAIL).count();
    long warns = checks.stream().filter(c -> c.status() == Status.WARN).count();
    out.printf("%n%d checks: %d failed, %d warnings%n", checks.size(), fails, warns);
  }
}
