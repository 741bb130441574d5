package dev.banger.net.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * nftables through {@code nft}: a ruleset goes in on stdin ({@code nft -f -}), which nft applies
 * as one transaction (all or nothing); tables are read back as JSON.
 */
public final class Nft {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CommandRunner runner;

  public Nft(CommandRunner runner) {
    this.runner = runner;
  }

  /** Applies a script atomically; on failure nothing of it is in effect. */
  public void apply(String script) throws CommandFailedException {
    runner.check(Command.of("nft", "-f", "-").stdin(script).timeout(TIMEOUT).build());
  }

  /** {@code nft -j list table <family> <name>}, or empty when the table does not exist. */
  public Optional<JsonNode> table(String family, String name) throws CommandFailedException, IOException {
    CommandResult r = runner.run(Command.of("nft", "-j", "list", "table", IpBatch.token(family), IpBatch.token(name))
        .timeout(TIMEOUT).build());
    if (!r.succeeded()) {
      if (r.stderrText().contains("No such file or directory")) {
        return Optional.empty();
      }
      throw new CommandFailedException(CommandFailedException.Kind.NON_ZERO_EXIT, r.command(), r, null, null);
    }
    return Optional.of(JSON.readTree(r.stdoutText()));
  }
}
