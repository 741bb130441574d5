package dev.banger.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code banger version}: this build's version, and the runtime it runs on. */
@Command(name = "version", description = "Print banger's version.", mixinStandardHelpOptions = true)
final class VersionCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    for (String line : new Provider().getVersion()) {
      spec.commandLine().getOut().println(line);
    }
  }

  static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties p = new Properties();
      try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // Fall through to "unknown": a version line must never fail the command.
      }
      return new String[] {
        "banger " + p.getProperty("version", "unknown"),
        "grpc-java " + p.getProperty("grpc", "unknown") + ", Java " + Runtime.version()
      };
    }
  }
}
