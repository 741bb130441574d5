package dev.banger.kit.process;

import java.nio.charset.StandardCharsets;

/** What a finished command left: exit status and its captured output. */
public record CommandResult(Command command, int exitCode, byte[] stdout, byte[] stderr) {

  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  public String stderrText() {
    return new String(stderr, StandardCharsets.UTF_8);
  }

  public boolean succeeded() {
    return exitCode == 0;
  }
}
