package dev.banger.cli.vm;

import dev.banger.cli.CliException;
import dev.banger.cli.CliPaths;
import dev.banger.cli.Services;
import dev.banger.cli.guest.GuestExecStream;
import dev.banger.cli.guest.GuestFilesCalls;
import dev.banger.cli.guest.GuestPaths;
import dev.banger.cli.guest.HostTarExtractor;
import dev.banger.cli.guest.HostTarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Parameters;

/**
 * {@code banger vm cp SRC… DST}: files and directories between the host and a VM, one side {@code
 * VM:/path}, through vm-service's PutFiles and GetFiles (docs/workspaces.md, "vm cp"): recursive,
 * modes and times kept, links kept as links. It needs only vm-service's socket, not a route to the
 * guest. As with cp and scp: a destination that is a directory receives each source under its own
 * name; one that is not names the single source's copy.
 */
@CommandLine.Command(
    name = "cp",
    description = "Copy files between the host and a VM (VM:/path on one side).",
    customSynopsis = "banger vm cp [-hV] [--debug] SRC... DST",
    mixinStandardHelpOptions = true)
public final class VmCpCommand implements Callable<Integer> {

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
  public Integer call() throws IOException {
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
    List<String> paths = srcs.stream().map(Side::path).toList();
    try (Services s = vm.services()) {
      String vmName = VmCommand.get(s, name).getName(); // not found: said here, once
      if (upload) {
        upload(s, vmName, paths, dst.path());
      } else {
        download(s, vmName, paths, Path.of(dst.path()));
      }
      return 0;
    }
  }

  private void upload(Services s, String name, List<String> srcs, String dst) throws IOException {
    List<Path> sources =
        srcs.stream().map(p -> Path.of(CliPaths.existing("source", Path.of(p)))).toList();
    String target = GuestPaths.normal(dst);
    boolean intoDir =
        target.equals("/")
            || GuestExecStream.run(
                    s,
                    name,
                    "/",
                    List.of("test", "-d", target),
                    InputStream.nullInputStream(),
                    OutputStream.nullOutputStream(),
                    OutputStream.nullOutputStream())
                == 0;
    if (!intoDir && (sources.size() > 1 || dst.endsWith("/"))) {
      throw new CliException(name + ":" + target + " is not a directory in the VM", 1, null);
    }
    String directory = intoDir ? target : GuestPaths.parent(target);
    PrintWriter err = vm.err();
    GuestFilesCalls.put(
        s,
        name,
        directory,
        tar -> {
          try (HostTarWriter w = new HostTarWriter(tar, err)) {
            for (Path source : sources) {
              w.add(source, intoDir ? source.getFileName().toString() : GuestPaths.name(target));
            }
          }
        });
  }

  private void download(Services s, String name, List<String> srcs, Path dst) throws IOException {
    Path target = dst.toAbsolutePath().normalize();
    boolean intoDir = Files.isDirectory(target);
    if (!intoDir && srcs.size() > 1) {
      throw new CliException(target + " is not a directory", 1, null);
    }
    Path into = intoDir ? target : target.getParent();
    if (into == null || !Files.isDirectory(into)) {
      throw new CliException(into + " is not a directory", 1, null);
    }
    for (String src : srcs) {
      String path = GuestPaths.normal(src);
      if (path.equals("/")) {
        throw new CliException("vm cp copies files and directories, not the VM's whole /", 2, null);
      }
      String top = GuestPaths.name(path);
      try (InputStream tar = GuestFilesCalls.get(s, name, path)) {
        new HostTarExtractor(into, top, intoDir ? top : target.getFileName().toString(), vm.err())
            .extract(tar);
      } catch (IOException e) {
        throw new CliException("copy from " + name + ":" + path + ": " + e.getMessage());
      }
    }
  }
}
