package dev.banger.net.host;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandRunner;
import java.time.Duration;

/**
 * nftables through {@code nft}: a ruleset goes in on stdin ({@code nft -f -}), which nft applies as
 * one transaction (all or nothing). (Tests read the table back with {@code nft -j list table}.)
 */
public final class Nft {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final CommandRunner runner;

  public Nft(CommandRunner runner) {
    this.runner = runner;
  }

  /** Applies a script atomically; on failure nothing of it is in effect. */
  public void apply(String script) throws CommandFailedException {
    runner.check(Command.of("nft", "-f", "-").stdin(script).timeout(TIMEOUT).build());
  }
}
