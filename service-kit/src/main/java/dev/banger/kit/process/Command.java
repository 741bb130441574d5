package dev.banger.kit.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A host command as an argument vector, never a shell line: arguments reach the program exactly as
 * given, so user strings cannot be reinterpreted by a shell.
 */
public record Command(
    List<String> argv,
    byte[] stdin,
    Duration timeout,
    Path workingDirectory,
    Map<String, String> environment) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

  public Command {
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a command needs at least the program name");
    }
    for (String a : argv) {
      if (a == null) {
        throw new IllegalArgumentException("null argument in " + argv);
      }
      if (a.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("NUL byte in an argument of " + argv.getFirst());
      }
    }
    argv = List.copyOf(argv);
    stdin = stdin == null ? new byte[0] : stdin.clone();
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    environment = environment == null ? Map.of() : Map.copyOf(environment);
  }

  public static Builder of(String program, String... args) {
    Builder b = new Builder();
    b.argv.add(program);
    b.argv.addAll(List.of(args));
    return b;
  }

  public static Builder of(List<String> argv) {
    Builder b = new Builder();
    b.argv.addAll(argv);
    return b;
  }

  public String program() {
    return argv.getFirst();
  }

  /** For logs and error messages: arguments quoted where needed, never executed. */
  public String display() {
    StringBuilder sb = new StringBuilder();
    for (String a : argv) {
      if (!sb.isEmpty()) {
        sb.append(' ');
      }
      sb.append(a.matches("[A-Za-z0-9_./:=@%+,-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return sb.toString();
  }

  /** Fluent construction; {@link Command} itself is immutable. */
  public static final class Builder {
    private final List<String> argv = new ArrayList<>();
    private byte[] stdin;
    private Duration timeout;
    private Path workingDirectory;
    private final Map<String, String> environment = new TreeMap<>();

    public Builder arg(String a) {
      argv.add(a);
      return this;
    }

    public Builder args(List<String> as) {
      argv.addAll(as);
      return this;
    }

    public Builder stdin(byte[] bytes) {
      this.stdin = bytes;
      return this;
    }

    public Builder stdin(String text) {
      this.stdin = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      return this;
    }

    public Builder timeout(Duration t) {
      this.timeout = t;
      return this;
    }

    public Builder workingDirectory(Path dir) {
      this.workingDirectory = dir;
      return this;
    }

    public Builder env(String key, String value) {
      environment.put(key, value);
      return this;
    }

    public Command build() {
      return new Command(argv, stdin, timeout, workingDirectory, environment);
    }
  }
}
