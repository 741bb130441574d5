package dev.banger.vm.ssh;

/**
 * A guest could not be reached, authenticated to, or run a command over SSH. The message is one
 * sentence naming the guest and the underlying reason ("connection refused", "timed out").
 */
public class GuestSshException extends Exception {
  private static final long serialVersionUID = 1L;

  public GuestSshException(String message) {
    super(message);
  }

  public GuestSshException(String message, Throwable cause) {
    super(message, cause);
  }
}
