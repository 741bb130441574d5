package dev.banger.vm.ports;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How a VM of an image without a usable init boots (docs/guest-kit.md): banger's guest kit, and the
 * image's own command, which the kit's init runs as a service at every boot.
 *
 * @param disk the kit's read-only ext4 file
 * @param env the image's Env ({@code NAME=value} each): commands run over SSH get it too
 * @param command the image's ENTRYPOINT and CMD, when it names one that can run
 */
public record KitBoot(Path disk, List<String> env, Optional<Command> command) {

  public KitBoot {
    env = List.copyOf(env);
  }

  /**
   * The image's command as image-service resolved it against the image's files.
   *
   * @param program the absolute path the image's first word resolved to, run by that path
   * @param env {@code NAME=value} each
   */
  public record Command(
      String program, List<String> argv, List<String> env, String workingDir, long uid, long gid) {
    public Command {
      if (!program.startsWith("/")) {
        throw new IllegalArgumentException("an image command runs by its absolute path");
      }
      argv = List.copyOf(argv);
      env = List.copyOf(env);
      if (argv.isEmpty()) {
        throw new IllegalArgumentException("an image command has a program");
      }
    }
  }
}
