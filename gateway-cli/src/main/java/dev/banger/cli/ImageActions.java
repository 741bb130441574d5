package dev.banger.cli;

import dev.banger.api.image.v1.DeleteImageRequest;
import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.PromoteImageRequest;
import dev.banger.api.image.v1.PromoteImageResponse;
import dev.banger.api.image.v1.PruneCacheRequest;
import dev.banger.api.image.v1.PruneCacheResponse;
import dev.banger.api.image.v1.RegisterImageRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code banger image} subcommands other than pull. */
final class ImageActions {

  private ImageActions() {}

  @Command(
      name = "list",
      aliases = "ls",
      description = "List images.",
      mixinStandardHelpOptions = true)
  static final class ListImages implements Callable<Integer> {
    @CommandLine.ParentCommand ImageCommand image;
    @Mixin Output output;

    @Option(
        names = {"-q", "--quiet"},
        description = "Names only, one per line (for scripts).")
    boolean quiet;

    @Override
    public Integer call() {
      boolean json = output.json();
      List<Image> all;
      try (Services s = image.services()) {
        all = ImageCommand.all(s);
      }
      if (quiet) {
        all.forEach(i -> image.out().println(i.getName()));
      } else if (json) {
        image.out().println(output.render(all));
      } else {
        ImageCommand.table(image.out(), all);
      }
      return 0;
    }
  }

  @Command(name = "show", description = "Show one image.", mixinStandardHelpOptions = true)
  static final class Show implements Callable<Integer> {
    @CommandLine.ParentCommand ImageCommand image;
    @Mixin Output output;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image name or id.")
    String ref;

    @Override
    public Integer call() {
      boolean json = output.json();
      Image i;
      try (Services s = image.services()) {
        i = s.image().getImage(GetImageRequest.newBuilder().setImage(ref).build()).getImage();
      }
      if (json) {
        image.out().println(output.render(i));
      } else {
        ImageCommand.show(image.out(), i);
      }
      return 0;
    }
  }

  @Command(
      name = "delete",
      aliases = "rm",
      description = "Delete images (a registered image's own file is kept).",
      mixinStandardHelpOptions = true)
  static final class Delete implements Callable<Integer> {
    @CommandLine.ParentCommand ImageCommand image;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image names or ids.")
    List<String> refs;

    @Option(
        names = {"-f", "--force"},
        description = "Delete even while VMs use it.")
    boolean force;

    @Override
    public Integer call() {
      try (Services s = image.services()) {
        return FanOut.each(
            refs,
            ref -> {
              s.imageLong()
                  .deleteImage(
                      DeleteImageRequest.newBuilder()
                          .setImage(ref)
                          .setForce(force)
                          .setRequestId(UUID.randomUUID().toString())
                          .build());
              return ref + " deleted";
            },
            image.out(),
            image.err(),
            image.parent.debug);
      }
    }
  }

  @Command(
      name = "register",
      description =
          "Record an ext4 rootfs file of your own as an image, by reference"
              + " (checked, not copied; 'image promote' copies it in for VMs).",
      mixinStandardHelpOptions = true)
  static final class Register implements Callable<Integer> {
    @CommandLine.ParentCommand ImageCommand image;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "PATH", description = "The ext4 rootfs file.")
    Path path;

    @Option(names = "--kernel", paramLabel = "KERNEL", description = "Its default kernel.")
    String kernel;

    @Override
    public Integer call() {
      RegisterImageRequest.Builder req =
          RegisterImageRequest.newBuilder()
              .setRequestId(UUID.randomUUID().toString())
              .setName(name)
              .setRootfsPath(CliPaths.existing("PATH", path));
      if (kernel != null) {
        req.setDefaultKernel(kernel);
      }
      try (Services s = image.services()) {
        Image i = s.imageLong().registerImage(req.build()).getImage();
        image.out().println(i.getName());
        if (!i.getManaged()) {
          image
              .err()
              .println(
                  "registered "
                      + i.getRootfsPath()
                      + " by reference; 'banger image promote "
                      + i.getName()
                      + "' before a VM can use it");
        }
        return 0;
      }
    }
  }

  @Command(
      name = "promote",
      description = "Copy a registered image into banger's store so VMs can use it.",
      mixinStandardHelpOptions = true)
  static final class Promote implements Callable<Integer> {
    @CommandLine.ParentCommand ImageCommand image;

    @Parameters(index = "0", paramLabel = "IMAGE")
    String ref;

    @Option(
        names = {"-q", "--quiet"},
        description = "No progress.")
    boolean quiet;

    @Override
    public Integer call() {
      try (Services s = image.services()) {
        Image i =
            ProgressPrinter.drain(
                s.imageLong()
                    .promoteImage(
                        PromoteImageRequest.newBuilder()
                            .setImage(ref)
                            .setRequestId(UUID.randomUUID().toString())
                            .build()),
                (PromoteImageResponse r) -> r.hasProgress() ? r.getProgress() : null,
                PromoteImageResponse::getImage,
                new ProgressPrinter(image.err(), ProgressPrinter.stderrIsTerminal(), quiet));
        image.out().println(i.getName());
        return 0;
      }
    }
  }

  @Command(
      name = "cache",
      description = "The download cache.",
      mixinStandardHelpOptions = true,
      subcommands = Cache.Prune.class)
  static final class Cache implements Runnable {
    @CommandLine.ParentCommand ImageCommand image;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(
        name = "prune",
        description = "Delete cached OCI blobs (built images are unaffected).",
        mixinStandardHelpOptions = true)
    static final class Prune implements Callable<Integer> {
      @CommandLine.ParentCommand Cache cache;

      @Override
      public Integer call() {
        try (Services s = cache.image.services()) {
          PruneCacheResponse r =
              s.imageLong()
                  .pruneCache(
                      PruneCacheRequest.newBuilder()
                          .setRequestId(UUID.randomUUID().toString())
                          .build());
          cache
              .image
              .out()
              .printf("freed %s (%d blobs)%n", Sizes.human(r.getBytesFreed()), r.getBlobsRemoved());
          return 0;
        }
      }
    }
  }
}
