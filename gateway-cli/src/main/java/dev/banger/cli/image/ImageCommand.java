package dev.banger.cli.image;

import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ListImagesRequest;
import dev.banger.api.image.v1.ListImagesResponse;
import dev.banger.cli.CommandGroup;
import dev.banger.cli.Services;
import dev.banger.cli.Sizes;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code banger image …}: rootfs images (image-service), and what its subcommands share. */
@Command(
    name = "image",
    description = "Pull, list and manage rootfs images.",
    mixinStandardHelpOptions = true)
public final class ImageCommand extends CommandGroup {

  public static List<Image> all(Services s) {
    List<Image> all = new ArrayList<>();
    String token = "";
    do {
      ListImagesResponse r =
          s.image().listImages(ListImagesRequest.newBuilder().setPageToken(token).build());
      all.addAll(r.getImagesList());
      token = r.getNextPageToken();
    } while (!token.isEmpty());
    return all;
  }

  static String source(Image i) {
    return i.getSource().name().substring("IMAGE_SOURCE_".length()).toLowerCase(Locale.ROOT);
  }

  public static String created(com.google.protobuf.Timestamp t) {
    return t.getSeconds() == 0 ? "-" : Instant.ofEpochSecond(t.getSeconds()).toString();
  }

  static void table(PrintWriter out, List<Image> images) {
    out.printf(
        "%-24s %-11s %9s %-20s %3s  %-20s  %s%n",
        "NAME", "SOURCE", "SIZE", "KERNEL", "VMS", "CREATED", "ORIGIN");
    for (Image i : images) {
      out.printf(
          "%-24s %-11s %9s %-20s %3d  %-20s  %s%n",
          i.getName(),
          source(i) + (i.getManaged() ? "" : "*"),
          Sizes.human(i.getRootfsSizeBytes()),
          i.getDefaultKernel().isEmpty() ? "-" : i.getDefaultKernel(),
          i.getVmReferences(),
          created(i.getCreateTime()),
          i.getOrigin());
    }
    if (images.stream().anyMatch(i -> !i.getManaged())) {
      out.println("* registered, not promoted: 'banger image promote NAME' before a VM can use it");
    }
  }

  static void show(PrintWriter out, Image i) {
    out.printf("name:     %s%n", i.getName());
    out.printf("id:       %s%n", i.getId());
    out.printf("source:   %s %s%n", source(i), i.getOrigin());
    out.printf("digest:   %s%n", i.getDigest().isEmpty() ? "-" : i.getDigest());
    out.printf("rootfs:   %s, %s%n", Sizes.human(i.getRootfsSizeBytes()), i.getRootfsPath());
    out.printf("seed:     %s%n", i.getWorkSeedPath().isEmpty() ? "-" : i.getWorkSeedPath());
    out.printf(
        "kernel:   %s%n",
        i.getDefaultKernel().isEmpty() ? "(the default kernel)" : i.getDefaultKernel());
    out.printf(
        "managed:  %s%n",
        i.getManaged()
            ? "yes"
            : "no — registered by reference; 'banger image promote "
                + i.getName()
                + "' copies it in");
    out.printf("vms:      %d%n", i.getVmReferences());
    out.printf(
        "boots:    %s%n",
        switch (i.getGuestBoot()) {
          case GUEST_BOOT_KIT -> "banger's guest kit (init and SSH server)";
          case GUEST_BOOT_SYSTEMD -> "its own systemd, with banger's units";
          default -> "its own init (pulled before banger checked images)";
        });
    for (String note : i.getGuestNotesList()) {
      out.printf("          - %s%n", note);
    }
    if (i.getDownloadBytes() > 0) {
      out.printf("download: %s%n", Sizes.human(i.getDownloadBytes()));
    }
    out.printf("created:  %s%n", created(i.getCreateTime()));
  }
}
