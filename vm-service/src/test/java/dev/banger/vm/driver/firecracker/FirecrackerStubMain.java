package dev.banger.vm.driver.firecracker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;

/**
 * A fake {@code firecracker} binary for the driver's tests, run as {@code java -cp …
 * FirecrackerStubMain --api-sock PATH --id ID}: serves {@link FirecrackerApiStub} on the socket,
 * prints a console line on InstanceStart (Firecracker's stdout is the guest's serial console) and
 * exits 0 shortly after SendCtrlAltDel, as Firecracker does when a {@code reboot=k} guest resets;
 * otherwise it runs until killed. System properties shape it: {@code fcstub.record=FILE} appends
 * each call as a JSON line; {@code fcstub.mode=no-socket} never opens the socket, {@code exit}
 * fails at start-up.
 */
public final class FirecrackerStubMain {

  private FirecrackerStubMain() {}

  public static void main(String[] args) throws Exception {
    String sock = null;
    String id = "anonymous-instance";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--api-sock" -> sock = value(args, ++i);
        case "--id" -> id = value(args, ++i);
        default ->
            fail(
                "Arguments parsing error: Found argument '" + args[i] + "' which wasn't expected.");
      }
    }
    if (sock == null) {
      fail("Arguments parsing error: --api-sock is required by the banger stub.");
    }
    if (id.isEmpty() || id.length() > 64 || !id.matches("[A-Za-z0-9-]+")) {
      fail("Invalid instance ID: " + id);
    }
    String mode = System.getProperty("fcstub.mode", "normal");
    System.err.println(
        "Running Firecracker v"
            + FirecrackerApiStub.VERSION
            + " (id "
            + id
            + ", mode "
            + mode
            + ")");
    if (mode.equals("exit")) {
      fail("Failed to open the API socket at: " + sock + ". Simulated by fcstub.mode=exit.");
    }
    CountDownLatch forever = new CountDownLatch(1);
    if (mode.equals("no-socket")) {
      forever.await();
    }
    Path socket = Path.of(sock);
    if (Files.exists(socket)) {
      fail("Failed to open the API socket at: " + sock + ". Check that it is not already used.");
    }
    String record = System.getProperty("fcstub.record");
    FirecrackerApiStub stub = new FirecrackerApiStub(id, new ConsoleGuest());
    StubHttpServer.Handler handler =
        request -> {
          StubHttpServer.Reply reply = stub.handle(request);
          if (record != null) {
            append(Path.of(record), stub.calls().getLast());
          }
          return reply;
        };
    StubHttpServer.start(socket, handler);
    forever.await();
  }

  private static synchronized void append(Path file, FirecrackerApiStub.Call c) {
    ObjectNode n =
        FirecrackerApi.JSON
            .createObjectNode()
            .put("method", c.method())
            .put("path", c.path())
            .put("status", c.status());
    n.set("body", c.body());
    n.put("fault", c.fault());
    try {
      Files.writeString(
          file,
          n + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.err.println("cannot record call: " + e.getMessage());
    }
  }

  /** The guest as far as the console shows it. */
  private static final class ConsoleGuest implements FirecrackerApiStub.Guest {
    @Override
    public void started(ObjectNode bootSource) {
      System.out.println("[    0.000000] Linux version 6.1.0-banger-stub (FirecrackerStubMain)");
      System.out.println("[    0.000000] Command line: " + bootSource.path("boot_args").asText());
      System.out.println("BANGER-STUB-BOOTED");
      System.out.flush();
    }

    @Override
    public void ctrlAltDel() {
      System.out.println("reboot: Restarting system");
      System.out.flush();
      Thread.ofPlatform()
          .daemon()
          .start(
              () -> {
                try {
                  Thread.sleep(150); // let the 204 reach the client first
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                System.exit(0);
              });
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      fail("Arguments parsing error: " + args[i - 1] + " needs a value.");
    }
    return args[i];
  }

  private static void fail(String message) {
    System.err.println("Error: " + message);
    System.exit(1);
  }
}
