package dev.banger.cli.image;

import dev.banger.api.image.v1.DeleteImageRequest;
import dev.banger.cli.FanOut;
import dev.banger.cli.Services;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "delete",
    aliases = "rm",
    description = "Delete images (a registered image's own file is kept).",
    mixinStandardHelpOptions = true)
public final class ImageDeleteCommand implements Callable<Integer> {
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
          image.debug());
    }
  }
}
