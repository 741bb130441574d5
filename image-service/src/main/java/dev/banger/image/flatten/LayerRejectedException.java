package dev.banger.image.flatten;

import dev.banger.kit.text.Printable;

/** A layer entry the flattener refuses; the message names the entry and the rule it broke. */
public final class LayerRejectedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String entry;
  private final String reason;

  public LayerRejectedException(String entry, String reason) {
    super("tar entry \"" + printable(entry) + "\": " + reason);
    this.entry = entry;
    this.reason = reason;
  }

  private LayerRejectedException(String message, String entry, LayerRejectedException cause) {
    super(message, cause);
    this.entry = entry;
    this.reason = cause.reason;
  }

  /** The rule broken, without the entry's name. */
  public String reason() {
    return reason;
  }

  /** The same refusal, saying which layer held the entry. */
  LayerRejectedException inLayer(String layer) {
    return new LayerRejectedException(layer + " was refused: " + getMessage(), entry, this);
  }

  public String entry() {
    return entry;
  }

  /** Entry names are hostile: never echo a control character into a log or terminal. */
  static String printable(String s) {
    return Printable.bare(s, 300);
  }
}
