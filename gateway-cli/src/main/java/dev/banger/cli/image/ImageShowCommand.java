package dev.banger.cli.image;

import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.api.image.v1.Image;
import dev.banger.cli.Output;
import dev.banger.cli.Services;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "show", description = "Show one image.", mixinStandardHelpOptions = true)
public final class ImageShowCommand implements Callable<Integer> {
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
