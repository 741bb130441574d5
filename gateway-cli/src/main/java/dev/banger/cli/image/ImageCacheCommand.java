package dev.banger.cli.image;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "cache", description = "The download cache.", mixinStandardHelpOptions = true)
public final class ImageCacheCommand implements Runnable {
  @CommandLine.ParentCommand ImageCommand image;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
