package dev.banger.cli.image;

import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.PromoteImageRequest;
import dev.banger.api.image.v1.PromoteImageResponse;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "promote",
    description = "Copy a registered image into banger's store so VMs can use it.",
    mixinStandardHelpOptions = true)
public final class ImagePromoteCommand implements Callable<Integer> {
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
