package dev.banger.cli;

import dev.banger.api.vm.v1.Vm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Parameters;

/**
 * {@code banger vm cp SRC… DST}: files and directories between the host and a VM, one side {@code
 * VM:/path}. The system's scp in SFTP mode ({@code -s}: the remote path is a path, never a shell
 * word), recursive, modes and times kept ({@code -p}), with banger's key and known_hosts like
 * {@code vm ssh}.
 */
@CommandLine.Command(
    name = "cp",
    description = "Copy files between the host and a VM (VM:/path on one side).",
    customSynopsis = "banger vm cp [-hV] [--debug] SRC... DST",
    mixinStandardHelpOptions = true)
final class VmCpCommand implements Callable<Integer> {

  /** {@code name:/absolute/path}; a host path with a colon is written ./a:b. */
  static final Pattern REMOTE = Pattern.compile("([a-z0-9][a-z0-9-]{0,62}):(/.*)");

  @CommandLine.ParentCommand VmCommand vm;

  @Parameters(
      arity = "2..*",
      paramLabel = "SRC... DST",
      hideParamSyntax = true,
      description =
          "Sources, then the destination; the VM's side is VM:/path (dev:/root/out.txt), on one"
              + " side only.")
  List<String> args;

  record Side(String vm, String path) {
    boolean remote() {
      return vm != null;
    }
  }

  static Side side(String arg) {
    Matcher m = REMOTE.matcher(arg);
    return m.matches() ? new Side(m.group(1), m.group(2)) : new Side(null, arg);
  }

  @Override
  public Integer call() {
    List<Side> sides = args.stream().map(VmCpCommand::side).toList();
    Side dst = sides.getLast();
    List<Side> srcs = sides.subList(0, sides.size() - 1);
    boolean upload = dst.remote();
    if (upload ? srcs.stream().anyMatch(Side::remote) : !srcs.stream().allMatch(Side::remote)) {
      throw new CliException(
          "vm cp copies between the host and one VM: either SRC… on the host and DST as VM:/path,"
              + " or SRC… as VM:/path and DST on the host",
          2,
          null);
    }
    String name = upload ? dst.vm() : srcs.getFirst().vm();
    if (!upload && srcs.stream().anyMatch(x -> !x.vm().equals(name))) {
      throw new CliException("vm cp takes its sources from one VM", 2, null);
    }
    try (Services s = vm.services()) {
      Vm v = VmCommand.get(s, name);
      String at = "root@" + VmCommand.reachable(v) + ":";
      List<String> argv = new ArrayList<>(List.of("scp", "-s", "-r", "-p", "-q"));
      argv.addAll(GuestShell.options(s));
      for (Side x : srcs) {
        argv.add(upload ? CliPaths.existing("source", Path.of(x.path())) : at + x.path());
      }
      argv.add(
          upload ? at + dst.path() : Path.of(dst.path()).toAbsolutePath().normalize().toString());
      return GuestShell.interactive(argv);
    }
  }
}
