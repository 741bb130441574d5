package dev.banger.vm.app;

import dev.banger.kit.text.Printable;
import java.security.SecureRandom;
import java.util.List;
import java.util.regex.Pattern;

/**
 * VM names: a DNS label ({@code <name>.vm} resolves to the VM), unique, never shaped like a UUID
 * (so "id or name" lookups are unambiguous), and generated as adjective-noun when omitted.
 */
public final class VmNames {

  /** Also what net-service holds lease names to; the last character may not be a dash. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  public static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private static final List<String> ADJECTIVES =
      List.of(
          "amber", "brave", "calm", "dusty", "eager", "fuzzy", "gentle", "hidden", "icy", "jolly",
          "keen", "lucky", "mellow", "nimble", "odd", "proud", "quiet", "rapid", "shy", "tidy",
          "upbeat", "vivid", "witty", "young", "zesty", "bold", "crisp", "deft", "fair", "grand");
  private static final List<String> NOUNS =
      List.of(
          "otter", "falcon", "badger", "heron", "lynx", "marmot", "newt", "owl", "puffin", "quail",
          "raven", "seal", "tapir", "urchin", "vole", "walrus", "yak", "zebra", "bison", "crane",
          "dingo", "egret", "ferret", "gecko", "ibis", "koala", "lemur", "moose", "narwhal",
          "panda");
  private static final SecureRandom RANDOM = new SecureRandom();

  private VmNames() {}

  /** The reason {@code name} is not a VM name, or null when it is one. */
  public static String problem(String name) {
    if (!NAME.matcher(name).matches()) {
      return "VM name "
          + Printable.quoted(name, 70)
          + " must be 1-63 of a-z, 0-9 and '-', starting and ending with a"
          + " letter or digit";
    }
    if (UUID.matcher(name).matches()) {
      return "VM name \"" + name + "\" looks like a VM id; pick a name that is not a UUID";
    }
    return null;
  }

  /**
   * A fresh adjective-noun name; {@code taken} says which are in use, and a number is added after
   * 20 clashes.
   */
  public static String generate(java.util.function.Predicate<String> taken) {
    for (int i = 0; ; i++) {
      String n =
          ADJECTIVES.get(RANDOM.nextInt(ADJECTIVES.size()))
              + "-"
              + NOUNS.get(RANDOM.nextInt(NOUNS.size()));
      if (i >= 20) {
        n += "-" + (1 + RANDOM.nextInt(9999));
      }
      if (!taken.test(n)) {
        return n;
      }
    }
  }
}
