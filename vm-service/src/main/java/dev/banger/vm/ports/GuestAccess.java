package dev.banger.vm.ports;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * How vm-service reaches inside a guest: over SSH as root with the owner's key, the guest's host
 * key pinned trust-on-first-use in banger's own known_hosts (docs/architecture.md §4).
 */
public interface GuestAccess {

  /** The owner's public key as an authorized_keys line (the key is made on first use). */
  String authorizedKeysLine() throws Exception;

  /**
   * Returns once an SSH handshake with the pinned (or newly pinned) host key succeeds and {@code
   * true} runs; throws with the last reason when {@code timeout} passes, at once on a host key
   * mismatch, and when {@code cancelled} turns true.
   */
  void awaitReady(String ip, String name, Duration timeout, BooleanSupplier cancelled)
      throws Exception;

  /**
   * As {@link #awaitReady}, with {@code command} (as root, fed {@code input} afresh on each
   * attempt) as the readiness probe: it must be idempotent, since a failed attempt is repeated.
   * Saves the second SSH handshake a separate {@link #run} would cost.
   */
  void awaitReadyRunning(
      String ip,
      String name,
      Duration timeout,
      BooleanSupplier cancelled,
      String command,
      dev.banger.vm.ssh.GuestSsh.Input input)
      throws Exception;

  /** Asks the guest to power off; false when it could not be asked (no SSH). */
  boolean poweroff(String ip, String name);

  /**
   * Runs {@code command} in the guest as root with {@code input} on its stdin, stdout and stderr
   * copied to the streams; returns its exit status.
   */
  int run(
      String ip,
      String name,
      String command,
      Duration timeout,
      dev.banger.vm.ssh.GuestSsh.Input input,
      java.io.OutputStream out,
      java.io.OutputStream err,
      BooleanSupplier cancelled)
      throws Exception;

  /**
   * As {@link #run}, for a command fed bulk bytes (a workspace's tar): through the host's OpenSSH
   * client when it has one (its C transport costs the host a third of the CPU the JVM's does), else
   * as {@link #run}, with the input produced on a thread of its own. Stdout is dropped.
   */
  int send(
      String ip,
      String name,
      String command,
      Duration timeout,
      dev.banger.vm.ssh.GuestSsh.Input input,
      java.io.OutputStream err,
      BooleanSupplier cancelled)
      throws Exception;

  /**
   * Starts {@code script} in the guest as root on a channel of its own, with a terminal of {@code
   * columns} x {@code rows} when {@code tty}; returns once the channel is open.
   */
  GuestProcess start(String ip, String name, String script, boolean tty, int columns, int rows)
      throws Exception;

  /** Drops the VM's pinned host key (the VM is deleted; its address may be reused). */
  void forget(String ip, String name) throws Exception;
}
