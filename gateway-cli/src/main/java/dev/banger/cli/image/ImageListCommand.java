package dev.banger.cli.image;

import dev.banger.api.image.v1.Image;
import dev.banger.cli.Output;
import dev.banger.cli.Services;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "list",
    aliases = "ls",
    description = "List images.",
    mixinStandardHelpOptions = true)
public final class ImageListCommand implements Callable<Integer> {
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
