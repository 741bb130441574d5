package dev.banger.cli;

import dev.banger.cli.image.ImageCacheCommand;
import dev.banger.cli.image.ImageCachePruneCommand;
import dev.banger.cli.image.ImageCommand;
import dev.banger.cli.image.ImageDeleteCommand;
import dev.banger.cli.image.ImageListCommand;
import dev.banger.cli.image.ImagePromoteCommand;
import dev.banger.cli.image.ImagePullCommand;
import dev.banger.cli.image.ImageRegisterCommand;
import dev.banger.cli.image.ImageShowCommand;
import dev.banger.cli.kernel.KernelCommand;
import dev.banger.cli.kernel.KernelDeleteCommand;
import dev.banger.cli.kernel.KernelImportCommand;
import dev.banger.cli.kernel.KernelListCommand;
import dev.banger.cli.kernel.KernelPullCommand;
import dev.banger.cli.kernel.KernelShowCommand;
import dev.banger.cli.snapshot.SnapshotCommand;
import dev.banger.cli.snapshot.SnapshotCreateCommand;
import dev.banger.cli.snapshot.SnapshotDeleteCommand;
import dev.banger.cli.snapshot.SnapshotListCommand;
import dev.banger.cli.snapshot.SnapshotShowCommand;
import dev.banger.cli.system.SystemCommand;
import dev.banger.cli.system.SystemInstallCommand;
import dev.banger.cli.system.SystemRestartCommand;
import dev.banger.cli.system.SystemStatusCommand;
import dev.banger.cli.system.SystemUninstallCommand;
import dev.banger.cli.vm.VmCommand;
import dev.banger.cli.vm.VmCpCommand;
import dev.banger.cli.vm.VmCreateCommand;
import dev.banger.cli.vm.VmDeleteCommand;
import dev.banger.cli.vm.VmExecCommand;
import dev.banger.cli.vm.VmKillCommand;
import dev.banger.cli.vm.VmListCommand;
import dev.banger.cli.vm.VmLogsCommand;
import dev.banger.cli.vm.VmPauseCommand;
import dev.banger.cli.vm.VmPortsCommand;
import dev.banger.cli.vm.VmPruneCommand;
import dev.banger.cli.vm.VmRestartCommand;
import dev.banger.cli.vm.VmResumeCommand;
import dev.banger.cli.vm.VmRunCommand;
import dev.banger.cli.vm.VmSetCommand;
import dev.banger.cli.vm.VmShowCommand;
import dev.banger.cli.vm.VmSshCommand;
import dev.banger.cli.vm.VmSshProxyCommand;
import dev.banger.cli.vm.VmStartCommand;
import dev.banger.cli.vm.VmStatsCommand;
import dev.banger.cli.vm.VmStopCommand;
import dev.banger.cli.vm.VmWorkspaceCommand;
import dev.banger.cli.vm.VmWorkspaceExportCommand;
import dev.banger.cli.vm.VmWorkspacePrepareCommand;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command tree of {@code banger}, and the building of only the part of it a command line names.
 *
 * <p>Why: picocli reads every command's annotations by reflection when a {@link CommandLine} is
 * made, so a tree declared in {@code @Command(subcommands = …)} costs the whole tree on every run,
 * even for {@code banger version} (docs/cli.md, "Start-up"). Here the tree is data, and {@link
 * #forArgs} adds, at each level, only the subcommand the arguments name; when they name none that
 * exists (no word, {@code --help}, {@code help}, a typo) the level gets all its subcommands, so
 * usage, help and picocli's "did you mean" see everything.
 */
final class CommandTree {

  /** Each group's subcommands, in the order usage lists them. */
  private static final Map<Class<?>, List<Class<?>>> CHILDREN =
      Map.of(
          Banger.class,
              List.of(
                  VmCommand.class,
                  ImageCommand.class,
                  KernelCommand.class,
                  SnapshotCommand.class,
                  SystemCommand.class,
                  StatusCommand.class,
                  DoctorCommand.class,
                  SshConfigCommand.class,
                  CompletionCommand.class,
                  VersionCommand.class,
                  CommandLine.HelpCommand.class),
          VmCommand.class,
              List.of(
                  VmRunCommand.class,
                  VmCreateCommand.class,
                  VmStartCommand.class,
                  VmStopCommand.class,
                  VmRestartCommand.class,
                  VmPauseCommand.class,
                  VmResumeCommand.class,
                  VmKillCommand.class,
                  VmDeleteCommand.class,
                  VmPruneCommand.class,
                  VmSetCommand.class,
                  VmListCommand.class,
                  VmShowCommand.class,
                  VmLogsCommand.class,
                  VmStatsCommand.class,
                  VmSshCommand.class,
                  VmSshProxyCommand.class,
                  VmExecCommand.class,
                  VmWorkspaceCommand.class,
                  VmPortsCommand.class,
                  VmCpCommand.class),
          VmWorkspaceCommand.class,
              List.of(VmWorkspacePrepareCommand.class, VmWorkspaceExportCommand.class),
          ImageCommand.class,
              List.of(
                  ImagePullCommand.class,
                  ImageListCommand.class,
                  ImageShowCommand.class,
                  ImageDeleteCommand.class,
                  ImageRegisterCommand.class,
                  ImagePromoteCommand.class,
                  ImageCacheCommand.class),
          ImageCacheCommand.class, List.of(ImageCachePruneCommand.class),
          SystemCommand.class,
              List.of(
                  SystemInstallCommand.class,
                  SystemStatusCommand.class,
                  SystemRestartCommand.class,
                  SystemUninstallCommand.class),
          SnapshotCommand.class,
              List.of(
                  SnapshotCreateCommand.class,
                  SnapshotListCommand.class,
                  SnapshotShowCommand.class,
                  SnapshotDeleteCommand.class),
          KernelCommand.class,
              List.of(
                  KernelImportCommand.class,
                  KernelPullCommand.class,
                  KernelListCommand.class,
                  KernelShowCommand.class,
                  KernelDeleteCommand.class));

  /**
   * Options of {@code banger} itself that take a value, so the value is not taken for a command
   * name.
   */
  private static final List<String> VALUE_OPTIONS = List.of("--state-dir");

  private CommandTree() {}

  /** The whole tree (completion scripts, tests). */
  static CommandLine full() {
    return build(new Banger(), null, 0);
  }

  /** The root and, level by level, only what {@code args} name. */
  static CommandLine forArgs(String[] args) {
    return build(new Banger(), args, 0);
  }

  private static CommandLine build(Object command, String[] args, int from) {
    CommandLine cl = new CommandLine(command);
    List<Class<?>> children = CHILDREN.getOrDefault(command.getClass(), List.of());
    if (children.isEmpty()) {
      return cl;
    }
    int at = args == null ? -1 : firstWord(args, from);
    Class<?> named = at < 0 ? null : named(children, args[at]);
    if (named == CommandLine.HelpCommand.class) {
      named = null; // 'banger help vm' looks its topic up among the siblings
    }
    for (Class<?> c : children) {
      if (named == null || c == named) {
        cl.addSubcommand(build(instance(c), named == null ? null : args, at + 1));
      }
    }
    return cl;
  }

  /** Index of the first argument at or after {@code from} that is not an option, or -1. */
  private static int firstWord(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--")) {
        return -1;
      }
      if (VALUE_OPTIONS.contains(a)) {
        i++;
      } else if (!a.startsWith("-")) {
        return i;
      }
    }
    return -1;
  }

  private static Class<?> named(List<Class<?>> children, String word) {
    for (Class<?> c : children) {
      Command a = c.getAnnotation(Command.class);
      if (a.name().equals(word) || List.of(a.aliases()).contains(word)) {
        return c;
      }
    }
    return null;
  }

  private static Object instance(Class<?> c) {
    try {
      var ctor = c.getDeclaredConstructor();
      ctor.setAccessible(true);
      return ctor.newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot make command " + c.getName(), e);
    }
  }
}
