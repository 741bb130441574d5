package dev.banger.cli.image;

import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.PullImageResponse;
import dev.banger.cli.CliException;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import dev.banger.cli.Sizes;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code banger image pull REF}: an OCI image or a catalog entry, built into a rootfs; prints its
 * name.
 */
@Command(
    name = "pull",
    description = {
      "Pull an OCI image (docker.io/library/debian:bookworm) or a catalog image"
          + " (debian-bookworm) and build its rootfs.",
      "",
      "Limits (config.toml [image]): a file in a layer at most max_entry_bytes (8 GiB), all"
          + " files together at most max_total_bytes (64 GiB), at most max_entries (2,000,000);"
          + " and the pull stops when the disk it stages on is down to reserve_bytes free"
          + " (default 5 %, at most 2 GiB). Each layer must unpack to its config's diff_id."
    },
    mixinStandardHelpOptions = true)
public final class ImagePullCommand implements Callable<Integer> {

  @CommandLine.ParentCommand ImageCommand image;

  @Parameters(
      index = "0",
      paramLabel = "REF",
      description = "OCI reference, or a catalog name (no '/', no tag).")
  String reference;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Local name (default: derived from REF).")
  String name;

  @Option(
      names = "--size",
      paramLabel = "SIZE",
      description = "Rootfs size, e.g. 4G (default: content x 1.5).")
  String size;

  @Option(names = "--force", description = "Pull again even if an image of that name exists.")
  boolean force;

  @Option(
      names = "--creds",
      paramLabel = "USER:PASS",
      description =
          "Registry credentials, instead of ~/.docker/config.json (visible to 'ps': prefer the file).")
  String credentials;

  @Option(
      names = "--kernel",
      paramLabel = "KERNEL",
      description =
          "Kernel to pair with: its modules go into the rootfs and it becomes the image's default.")
  String kernel;

  @Option(
      names = "--packages",
      split = ",",
      paramLabel = "PKG,PKG",
      description =
          "More Debian packages for a Debian catalog recipe (e.g. python3,build-essential); needs"
              + " --name.")
  List<String> packages = List.of();

  @Option(
      names = "--guest-kit",
      description =
          "Boot its VMs on banger's guest kit (init and SSH server) even if the image has systemd,"
              + " udev and sshd.")
  boolean guestKit;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress.")
  boolean quiet;

  @Option(
      names = {"-v", "--verbose"},
      description = "Show the build tools' own output (mmdebstrap, apt) under the progress too.")
  boolean verbose;

  @Override
  public Integer call() {
    PullImageRequest.Builder req =
        PullImageRequest.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setReference(reference)
            .setForce(force)
            .setGuestKit(guestKit)
            .addAllPackages(packages);
    if (name != null) {
      req.setName(name);
    }
    if (size != null) {
      req.setSizeBytes(Sizes.bytes("--size", size));
    }
    if (credentials != null) {
      if (credentials.indexOf(':') <= 0) {
        throw new CliException("--creds must be USER:PASSWORD", 2, null);
      }
      req.setCredentials(credentials);
    }
    if (kernel != null) {
      req.setKernel(kernel);
    }
    try (Services s = image.services()) {
      Image pulled =
          ProgressPrinter.drain(
              s.imageLong().pullImage(req.build()),
              (PullImageResponse r) -> r.hasProgress() ? r.getProgress() : null,
              PullImageResponse::getImage,
              new ProgressPrinter(image.err(), ProgressPrinter.stderrIsTerminal(), quiet)
                  .verbose(verbose));
      image.out().println(pulled.getName());
      return 0;
    }
  }
}
