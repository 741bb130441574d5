package dev.banger.cli;

import java.util.List;
import java.util.stream.Collectors;

/**
 * ssh sends a remote command as one string that the guest's shell splits again, so each of the
 * user's words is quoted to arrive as the same word: {@code vm run -- sh -c 'exit 7'} runs {@code
 * sh}, {@code -c}, {@code exit 7} in the guest. Plain words stay readable.
 */
public final class ShellQuote {

  private ShellQuote() {}

  public static String join(List<String> words) {
    return words.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
  }

  public static String quote(String w) {
    if (!w.isEmpty() && w.matches("[A-Za-z0-9_./=:,+@%^-]+")) {
      return w;
    }
    return "'" + w.replace("'", "'\\''") + "'";
  }
}
