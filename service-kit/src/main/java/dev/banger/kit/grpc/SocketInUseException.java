package dev.banger.kit.grpc;

import java.nio.file.Path;

/** A live server already holds this socket; we refuse to steal it. */
public final class SocketInUseException extends Exception {

  private final Path socket;

  public SocketInUseException(Path socket, String holderPid) {
    super(
        "another banger service"
            + (holderPid.isEmpty() ? "" : " (pid " + holderPid + ")")
            + " is already serving "
            + socket
            + "; stop it first, or use another --state-dir");
    this.socket = socket;
  }

  public Path socket() {
    return socket;
  }
}
