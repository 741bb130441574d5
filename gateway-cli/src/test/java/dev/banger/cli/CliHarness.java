package dev.banger.cli;

import dev.banger.kit.auth.AccessPolicy;
import dev.banger.kit.auth.Principal;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.grpc.KitServer;
import dev.banger.kit.grpc.SocketSpec;
import dev.banger.kit.state.HostIdentity;
import io.grpc.BindableService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the CLI tests share: a service double on a real socket under {@code DIR/run}, and a CLI run
 * against DIR.
 */
public final class CliHarness {

  private CliHarness() {}

  public record Result(int code, String out, String err) {}

  /**
   * Serves the doubles (none: health only) as service {@code name} at {@code dir/run/<name>.sock}.
   */
  public static KitServer serve(Path dir, String name, BindableService... services)
      throws Exception {
    Files.createDirectories(dir.resolve("run"));
    KitServer.Builder b =
        KitServer.builder(name)
            .unixSocket(new SocketSpec(dir.resolve("run/" + name + ".sock"), 0600, null, null))
            .policy(
                new AccessPolicy(
                    List.of(new Principal.Self()),
                    Map.of(),
                    new UserDirectory(),
                    HostIdentity.currentUid(),
                    -1));
    for (BindableService s : services) {
      b.addService(s);
    }
    return b.start();
  }

  public static Result run(Path dir, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--state-dir";
    all[1] = dir.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    int code = Banger.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }
}
