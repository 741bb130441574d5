package dev.banger.vm.driver;

/**
 * A VMM that could not be started or controlled; the message is one sentence with the VMM's own
 * reason.
 */
public final class DriverException extends Exception {
  private static final long serialVersionUID = 1L;

  public DriverException(String message) {
    super(message);
  }

  public DriverException(String message, Throwable cause) {
    super(message, cause);
  }
}
