package dev.banger.vm.driver.firecracker;

/** A 4xx answer, as a throwable so validation can stop anywhere. */
final class StubFault extends Exception {
  private static final long serialVersionUID = 1L;
  final int status;

  StubFault(String message) {
    this(400, message);
  }

  StubFault(int status, String message) {
    super(message);
    this.status = status;
  }
}
