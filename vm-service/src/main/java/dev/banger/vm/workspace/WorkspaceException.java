package dev.banger.vm.workspace;

/** A workspace that cannot be prepared, in one sentence that names the path (INVALID_ARGUMENT). */
public final class WorkspaceException extends Exception {
  public WorkspaceException(String message) {
    super(message);
  }
}
