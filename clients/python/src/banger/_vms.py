"""VMs: create (with progress), find, list, and what a running VM is for: exec and files."""

import uuid

from banger._errors import from_rpc_error, translated
from banger._exec import ExecResult, ExecStream, start_message
from banger._files import one_file_tar, put_requests, single_file, split_guest_path
from banger._proto.banger.vm.v1 import vm_pb2

_STATE_PREFIX = "VM_STATE_"


class Progress:
    """One step of long work, as the CLI shows it: stage i of n, a sentence, bytes when known."""

    __slots__ = (
        "operation_id", "stage", "message", "stage_index", "stage_count",
        "bytes_done", "bytes_total", "percent", "tool_output",
    )

    def __init__(self, p):
        self.operation_id = p.operation_id
        self.stage = p.stage
        self.message = p.message
        self.stage_index = p.stage_index
        self.stage_count = p.stage_count
        self.bytes_done = p.bytes_done
        self.bytes_total = p.bytes_total
        self.percent = p.percent
        # A line of a tool's own output (mmdebstrap, apt), not banger's sentence: show on request.
        self.tool_output = p.tool_output

    def __repr__(self):
        return "Progress([%d/%d] %s: %s)" % (self.stage_index, self.stage_count, self.stage, self.message)


class Vm:
    """A VM as the service last described it (`raw` is the banger.vm.v1.Vm message);
    refresh() asks again. Methods act on the VM by its id."""

    def __init__(self, client, message):
        self._client = client
        self.raw = message

    name = property(lambda self: self.raw.name)
    id = property(lambda self: self.raw.id)
    image = property(lambda self: self.raw.image)
    ip_address = property(lambda self: self.raw.ip_address)
    # "running", as the CLI's table shows it, rather than VM_STATE_RUNNING.
    state = property(lambda self: vm_pb2.VmState.Name(self.raw.state)[len(_STATE_PREFIX):].lower())

    def __repr__(self):
        return "Vm(name=%r, state=%r, ip_address=%r)" % (self.name, self.state, self.ip_address)

    def refresh(self):
        self.raw = self._client.vms.get(self.id).raw
        return self

    def exec(self, argv, stdin=None, env=None, cwd=None, user=None, timeout_seconds=0,
             shell=False, stdout=None, stderr=None):
        """Runs argv (no shell unless shell=True) and waits. Output is collected into the result
        unless stdout/stderr are given: then each chunk is written there (any object with
        write(bytes)) as it arrives and the result's field is None."""
        out = None if stdout is not None else bytearray()
        err = None if stderr is not None else bytearray()
        stream = self.exec_stream(argv, stdin, env, cwd, user, timeout_seconds, shell)
        for name, chunk in stream:
            if name == "stdout":
                stdout.write(chunk) if out is None else out.extend(chunk)
            else:
                stderr.write(chunk) if err is None else err.extend(chunk)
        return ExecResult(
            None if out is None else bytes(out),
            None if err is None else bytes(err),
            stream.exit_code,
            stream.signal,
        )

    def exec_stream(self, argv, stdin=None, env=None, cwd=None, user=None, timeout_seconds=0,
                    shell=False, tty=False, window=None, timeout=None):
        """The program's output as it comes: iterate ("stdout"|"stderr", bytes); see ExecStream.
        `timeout` is the gRPC deadline in seconds; timeout_seconds the guest-side limit."""
        start = start_message(self.id, argv, shell, env, cwd, user, timeout_seconds, tty, window)
        return ExecStream(self._client.raw.vm, start, stdin, timeout)

    def put_file(self, path, data, mode=0o644):
        """Writes bytes (or str, as UTF-8) to an absolute path in the VM, making its directory."""
        directory, name = split_guest_path(path)
        return self.put_tar(directory, one_file_tar(name, data, mode))

    def put_tar(self, directory, chunks):
        """Unpacks an uncompressed tar stream (an iterable of bytes) into directory in the VM.
        Every entry is checked by the service: one that would escape directory is refused by
        name. Returns (entries, content_bytes)."""
        with translated():
            r = self._client.raw.vm.PutFiles(put_requests(self.id, directory, chunks))
        return r.entries, r.content_bytes

    def get_tar(self, path):
        """A tar stream (iterator of bytes) of a file or directory in the VM, named by its last
        component. Stopping early cancels the guest's tar."""
        call = self._client.raw.vm.GetFiles(vm_pb2.GetFilesRequest(vm=self.id, path=path))
        try:
            for response in call:
                yield response.tar
        except Exception as error:
            raise from_rpc_error(error) from None
        finally:
            call.cancel()

    def get_file(self, path):
        """The bytes of one regular file in the VM."""
        return single_file(self.get_tar(path), path)

    def pause(self):
        """Stops the VM's vCPUs; memory, disks and network are kept."""
        with translated():
            self.raw = self._client.raw.vm.PauseVm(vm_pb2.PauseVmRequest(vm=self.id)).vm
        return self

    def resume(self):
        with translated():
            self.raw = self._client.raw.vm.ResumeVm(vm_pb2.ResumeVmRequest(vm=self.id)).vm
        return self

    def stop(self, timeout_seconds=0):
        with translated():
            self.raw = self._client.raw.vm.StopVm(
                vm_pb2.StopVmRequest(request_id=_rid(), vm=self.id, timeout_seconds=timeout_seconds)
            ).vm
        return self

    def start(self, on_progress=None):
        call = self._client.raw.vm.StartVm(vm_pb2.StartVmRequest(request_id=_rid(), vm=self.id))
        self.raw = _last_vm(call, on_progress)
        return self

    def delete(self, force=False):
        with translated():
            self._client.raw.vm.DeleteVm(vm_pb2.DeleteVmRequest(request_id=_rid(), vm=self.id, force=force))


class Vms:
    def __init__(self, client):
        self._client = client

    def create(self, name="", image="", kernel="", vcpu=0, memory_mib=0, work_disk_bytes=0,
               no_start=False, on_progress=None, snapshot=""):
        """Creates and (unless no_start) boots a VM; returns it once SSH answers. on_progress,
        when given, is called with each Progress. Leaving early (Ctrl-C) cancels the create, and
        the service undoes it entirely. snapshot: start from that snapshot's saved state instead
        of booting (image, kernel and sizes are then the snapshot's)."""
        stream = self.create_stream(name, image, kernel, vcpu, memory_mib, work_disk_bytes, no_start,
                                    snapshot)
        vm = None
        for event in stream:
            if isinstance(event, Progress):
                if on_progress:
                    on_progress(event)
            else:
                vm = event
        return vm

    def create_stream(self, name="", image="", kernel="", vcpu=0, memory_mib=0,
                      work_disk_bytes=0, no_start=False, snapshot=""):
        """The same create as an iterator: Progress events, then the Vm."""
        spec = vm_pb2.VmSpec(vcpu=vcpu, memory_mib=memory_mib, work_disk_bytes=work_disk_bytes)
        call = self._client.raw.vm.CreateVm(
            vm_pb2.CreateVmRequest(
                request_id=_rid(), name=name, image=image, kernel=kernel, spec=spec, no_start=no_start,
                snapshot=snapshot,
            )
        )
        try:
            for response in call:
                if response.WhichOneof("event") == "progress":
                    yield Progress(response.progress)
                else:
                    yield Vm(self._client, response.vm)
        except Exception as error:
            raise from_rpc_error(error) from None
        finally:
            call.cancel()

    def get(self, name_or_id):
        with translated():
            return Vm(self._client, self._client.raw.vm.GetVm(vm_pb2.GetVmRequest(vm=name_or_id)).vm)

    def list(self):
        vms, token = [], ""
        with translated():
            while True:
                r = self._client.raw.vm.ListVms(vm_pb2.ListVmsRequest(page_token=token))
                vms.extend(Vm(self._client, m) for m in r.vms)
                token = r.next_page_token
                if not token:
                    return vms


def _last_vm(call, on_progress):
    vm = None
    with translated():
        for response in call:
            if response.WhichOneof("event") == "progress":
                if on_progress:
                    on_progress(Progress(response.progress))
            else:
                vm = response.vm
    return vm


def _rid():
    # Each mutation carries a fresh request id: retrying the same Python call is a new request.
    return str(uuid.uuid4())
