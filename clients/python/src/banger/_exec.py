"""VmService.Exec from Python: a request stream (start, stdin, end of stdin) and a response
stream (stdout and stderr chunks kept apart, then one exit)."""

from banger._errors import from_rpc_error
from banger._proto.banger.vm.v1 import vm_pb2

# The service takes at most 1 MiB of stdin per message; smaller chunks keep the pipe moving.
STDIN_CHUNK = 256 * 1024


class ExecResult:
    """What a finished program left: its output (when collected), exit code and signal.
    exit_code is -1 when a signal ended the program; signal is then its name (e.g. "KILL")."""

    def __init__(self, stdout, stderr, exit_code, signal):
        self.stdout = stdout
        self.stderr = stderr
        self.exit_code = exit_code
        self.signal = signal

    @property
    def ok(self):
        return self.exit_code == 0 and not self.signal

    def __repr__(self):
        return "ExecResult(exit_code=%d, signal=%r, stdout=%d bytes, stderr=%d bytes)" % (
            self.exit_code,
            self.signal,
            len(self.stdout or b""),
            len(self.stderr or b""),
        )


def start_message(vm, argv, shell, env, cwd, user, timeout_seconds, tty, window):
    if isinstance(argv, (str, bytes)):
        # A lone string is a classic mistake ("ls -l" as one program name): say so.
        if not shell:
            raise TypeError("argv must be a list of strings; pass shell=True to run a command line")
        argv = [argv]
    start = vm_pb2.ExecStart(
        vm=vm,
        argv=list(argv),
        shell=shell,
        env=dict(env or {}),
        working_dir=cwd or "",
        user=user or "",
        tty=tty,
        timeout_seconds=int(timeout_seconds or 0),
    )
    if window:
        start.window.columns, start.window.rows = window
    return vm_pb2.ExecRequest(start=start)


def stdin_chunks(stdin):
    """bytes, str, a binary file or an iterable of bytes, in chunks the service accepts."""
    if stdin is None:
        return
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    if isinstance(stdin, (bytes, bytearray, memoryview)):
        view = memoryview(stdin)
        for i in range(0, len(view), STDIN_CHUNK):
            yield bytes(view[i : i + STDIN_CHUNK])
        return
    if hasattr(stdin, "read"):
        while True:
            chunk = stdin.read(STDIN_CHUNK)
            if not chunk:
                return
            yield chunk
    for chunk in stdin:
        for i in range(0, len(chunk), STDIN_CHUNK):
            yield bytes(chunk[i : i + STDIN_CHUNK])


class ExecStream:
    """Iterates ("stdout" | "stderr", bytes) as the program writes; exit_code and signal are set
    once iteration ends. gRPC's flow control reaches the guest: while you do not iterate, the
    program blocks on a full pipe and vm-service holds only a window. Leaving the loop early
    (break, close(), an exception) cancels the call, which kills the program in the VM."""

    def __init__(self, stub, start, stdin, timeout):
        def requests():
            yield start
            for chunk in stdin_chunks(stdin):
                yield vm_pb2.ExecRequest(stdin=chunk)
            # Ending the request stream is the half-close the service reads as end of stdin.

        self._call = stub.Exec(requests(), timeout=timeout)
        self.exit_code = None
        self.signal = None

    def __iter__(self):
        try:
            for response in self._call:
                kind = response.WhichOneof("kind")
                if kind == "stdout":
                    yield "stdout", response.stdout
                elif kind == "stderr":
                    yield "stderr", response.stderr
                elif kind == "exit":
                    self.signal = response.exit.signal
                    self.exit_code = -1 if self.signal else response.exit.exit_code
        except Exception as error:
            raise from_rpc_error(error) from None
        finally:
            if self.exit_code is None:
                self._call.cancel()

    def close(self):
        self._call.cancel()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.exit_code is None:
            self.close()
        return False
