package dev.banger.vm.fakes;

import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.ssh.GuestSsh;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/** A guest that answers SSH at once, unless the host was told to fail or cancel awaitReady. */
public final class FakeGuest implements GuestAccess {

  private final FakeHost host;

  public FakeGuest(FakeHost host) {
    this.host = host;
  }

  @Override
  public String authorizedKeysLine() {
    return "ssh-ed25519 AAAA banger";
  }

  @Override
  public void awaitReady(String ip, String name, Duration timeout, BooleanSupplier cancelled) {
    host.call("awaitReady");
    while (host.hangs("awaitReady") && !cancelled.getAsBoolean()) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancellationException("interrupted");
      }
    }
    if (cancelled.getAsBoolean()) {
      throw new CancellationException("cancelled while waiting for SSH");
    }
  }

  /** Ready as {@link #awaitReady}; then the command is recorded with its input, as {@link #run}. */
  @Override
  public void awaitReadyRunning(
      String ip,
      String name,
      Duration timeout,
      BooleanSupplier cancelled,
      String command,
      GuestSsh.Input input)
      throws java.io.IOException {
    awaitReady(ip, name, timeout, cancelled);
    run(
        ip,
        name,
        command,
        timeout,
        input,
        OutputStream.nullOutputStream(),
        OutputStream.nullOutputStream(),
        cancelled);
  }

  @Override
  public boolean poweroff(String ip, String name) {
    host.call("poweroff");
    return false;
  }

  @Override
  public int run(
      String ip,
      String name,
      String command,
      Duration timeout,
      GuestSsh.Input input,
      OutputStream out,
      OutputStream err,
      BooleanSupplier cancelled)
      throws java.io.IOException {
    host.call("run");
    ranCommands.add(command);
    java.io.ByteArrayOutputStream stdin = new java.io.ByteArrayOutputStream();
    if (input != null) {
      input.writeTo(stdin);
    }
    ranInputs.add(stdin.toByteArray());
    out.write(runOutput.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return 0;
  }

  /** The commands {@link #run} ran, in order. */
  public final java.util.List<String> ranCommands =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  /** The bytes each {@link #run} command was fed, in order. */
  public final java.util.List<byte[]> ranInputs =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  /** What {@link #run}'s command prints on stdout (it exits 0). */
  public volatile String runOutput = "";

  @Override
  public int send(
      String ip,
      String name,
      String command,
      Duration timeout,
      GuestSsh.Input input,
      OutputStream err,
      BooleanSupplier cancelled)
      throws java.io.IOException {
    host.call("send");
    sentCommands.add(command);
    java.io.ByteArrayOutputStream stdin = new java.io.ByteArrayOutputStream();
    input.writeTo(stdin);
    sent.add(stdin.toByteArray());
    if (sendStatus != 0) {
      err.write(("tar: " + command + ": No space left on device\n").getBytes());
    }
    return sendStatus;
  }

  /** The commands {@link #send} ran and the bytes each was fed, in order. */
  public final java.util.List<String> sentCommands =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  public final java.util.List<byte[]> sent =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  /** What {@link #send}'s command exits with; not 0 also writes a tar-like complaint to stderr. */
  public volatile int sendStatus;

  @Override
  public void forget(String ip, String name) {
    host.call("forget");
  }

  @Override
  public dev.banger.vm.ports.GuestProcess start(
      String ip, String name, String script, boolean tty, int columns, int rows) {
    throw new UnsupportedOperationException("exec is tested with LocalShellGuest");
  }
}
