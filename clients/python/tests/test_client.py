"""The thin API against a fake VmService on a Unix socket: what the client sends, what it makes
of the answers, and that leaving a stream early cancels the call. The real stack is exercised by
deploy's WorkspaceIT, which runs examples/demo.py against booted guests."""

import io
import os
import shutil
import tarfile
import tempfile
import threading
import unittest
from concurrent import futures

import grpc

import banger
from banger._files import one_file_tar, single_file
from banger._proto.banger.common.v1 import common_pb2
from banger._proto.banger.image.v1 import image_pb2, image_pb2_grpc
from banger._proto.banger.vm.v1 import vm_pb2, vm_pb2_grpc
from banger._proto.google.rpc import error_details_pb2, status_pb2

FLOOD = 20 * 1024 * 1024


class FakeVms(vm_pb2_grpc.VmServiceServicer):
    def __init__(self):
        self.starts = []
        self.stdin = bytearray()
        self.stored = {}
        self.cancelled = threading.Event()

    def CreateVm(self, request, context):
        for i in (1, 2):
            yield vm_pb2.CreateVmResponse(
                progress=common_pb2.Progress(stage="s%d" % i, message="step %d" % i, stage_index=i, stage_count=2)
            )
        yield vm_pb2.CreateVmResponse(vm=self._vm(request.name))

    def GetVm(self, request, context):
        if request.vm != "demo":
            info = error_details_pb2.ErrorInfo(reason="VM_NOT_FOUND", domain="banger.dev", metadata={"vm": request.vm})
            status = status_pb2.Status(code=grpc.StatusCode.NOT_FOUND.value[0], message="no VM %s" % request.vm)
            status.details.add().Pack(info)
            context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
            context.abort(grpc.StatusCode.NOT_FOUND, "no VM %s" % request.vm)
        return vm_pb2.GetVmResponse(vm=self._vm("demo"))

    def Exec(self, requests, context):
        start = next(requests).start
        self.starts.append(start)
        if list(start.argv) == ["flood"]:
            context.add_callback(self.cancelled.set)
            for _ in range(FLOOD // 65536):
                yield vm_pb2.ExecResponse(stdout=b"\0" * 65536)
            yield vm_pb2.ExecResponse(exit=vm_pb2.ExecExit(exit_code=0))
            return
        for r in requests:
            self.stdin.extend(r.stdin)
        yield vm_pb2.ExecResponse(stdout=b"out\n")
        yield vm_pb2.ExecResponse(stderr=b"err\n")
        if list(start.argv) == ["killed"]:
            yield vm_pb2.ExecResponse(exit=vm_pb2.ExecExit(signal="KILL"))
        else:
            yield vm_pb2.ExecResponse(exit=vm_pb2.ExecExit(exit_code=3))

    def PauseVm(self, request, context):
        return vm_pb2.PauseVmResponse(vm=self._vm("demo", vm_pb2.VM_STATE_PAUSED))

    def ResumeVm(self, request, context):
        return vm_pb2.ResumeVmResponse(vm=self._vm("demo"))

    def ListVms(self, request, context):
        page = {"": (["a", "b"], "p2"), "p2": (["c"], "")}[request.page_token]
        return vm_pb2.ListVmsResponse(vms=[self._vm(n) for n in page[0]], next_page_token=page[1])

    def PutFiles(self, requests, context):
        start = next(requests).start
        data = b"".join(r.tar for r in requests)
        self.stored[start.directory] = data
        return vm_pb2.PutFilesResponse(entries=1, content_bytes=len(data))

    def GetFiles(self, request, context):
        data = self.stored[os.path.dirname(request.path)]
        for i in range(0, len(data), 100_000):
            yield vm_pb2.GetFilesResponse(tar=data[i : i + 100_000])

    @staticmethod
    def _vm(name, state=vm_pb2.VM_STATE_RUNNING):
        return vm_pb2.Vm(id="id-" + name, name=name, state=state, ip_address="10.0.0.2")


class FakeImages(image_pb2_grpc.ImageServiceServicer):
    """Two pages, as the real service pages a long list."""

    def ListImages(self, request, context):
        if request.page_token == "":
            return image_pb2.ListImagesResponse(images=[image_pb2.Image(name="a")], next_page_token="p2")
        if request.page_token == "p2":
            return image_pb2.ListImagesResponse(images=[image_pb2.Image(name="b")])
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad page token")


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="banger-py-")
        os.mkdir(os.path.join(self.state, "run"))
        self.fake = FakeVms()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        vm_pb2_grpc.add_VmServiceServicer_to_server(self.fake, self.server)
        self.server.add_insecure_port("unix://" + os.path.join(self.state, "run", "vm.sock"))
        self.server.start()
        self.images = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        image_pb2_grpc.add_ImageServiceServicer_to_server(FakeImages(), self.images)
        self.images.add_insecure_port("unix://" + os.path.join(self.state, "run", "image.sock"))
        self.images.start()
        self.client = banger.connect(self.state)

    def tearDown(self):
        self.client.close()
        self.server.stop(None).wait()
        self.images.stop(None).wait()
        shutil.rmtree(self.state)

    def test_sockets_follow_the_cli_rule(self):
        os.environ["BANGER_STATE_DIR"] = "/srv/b"
        try:
            self.assertEqual("/srv/b/run", banger.connect().socket_dir)
            self.assertEqual("/x/run", banger.connect("/x").socket_dir)
            self.assertEqual("/s", banger.connect(socket_dir="/s").socket_dir)
        finally:
            del os.environ["BANGER_STATE_DIR"]
        self.assertEqual("/run/banger", banger.connect().socket_dir)

    def test_create_reports_progress_and_returns_the_vm(self):
        seen = []
        vm = self.client.vms.create(name="demo", on_progress=seen.append)
        self.assertEqual(["step 1", "step 2"], [p.message for p in seen])
        self.assertEqual(("demo", "running", "10.0.0.2"), (vm.name, vm.state, vm.ip_address))
        events = list(self.client.vms.create_stream(name="other"))
        self.assertEqual([banger.Progress, banger.Progress, banger.Vm], [type(e) for e in events])

    def test_pause_and_resume_take_the_new_state(self):
        vm = self.client.vms.get("demo")
        self.assertEqual("paused", vm.pause().state)
        self.assertEqual("running", vm.resume().state)

    def test_lists_follow_every_page(self):
        self.assertEqual(["a", "b"], [i.name for i in self.client.images.list()])
        self.assertEqual(["a", "b", "c"], [v.name for v in self.client.vms.list()])

    def test_errors_carry_reason_and_metadata(self):
        with self.assertRaises(banger.BangerError) as caught:
            self.client.vms.get("ghost")
        e = caught.exception
        self.assertEqual(grpc.StatusCode.NOT_FOUND, e.code)
        self.assertEqual(("VM_NOT_FOUND", "banger.dev", {"vm": "ghost"}), (e.reason, e.domain, e.metadata))
        self.assertEqual("NOT_FOUND: no VM ghost [VM_NOT_FOUND]", str(e))

    def test_exec_sends_argv_env_and_stdin_and_keeps_streams_apart(self):
        vm = self.client.vms.get("demo")
        stdin = os.urandom(3 * 1024 * 1024 + 7)
        r = vm.exec(["cat", "a b", "$(x)"], stdin=stdin, env={"K": "v"}, cwd="/w", timeout_seconds=5)
        self.assertEqual((b"out\n", b"err\n", 3, ""), (r.stdout, r.stderr, r.exit_code, r.signal))
        self.assertFalse(r.ok)
        start = self.fake.starts[-1]
        self.assertEqual(["cat", "a b", "$(x)"], list(start.argv))
        self.assertEqual(({"K": "v"}, "/w", 5, "id-demo"), (dict(start.env), start.working_dir, start.timeout_seconds, start.vm))
        self.assertEqual(stdin, bytes(self.fake.stdin))
        killed = vm.exec(["killed"])
        self.assertEqual((-1, "KILL"), (killed.exit_code, killed.signal))
        with self.assertRaises(TypeError):
            vm.exec("ls -l")

    def test_exec_to_sinks_and_a_stream_left_early_is_cancelled(self):
        vm = self.client.vms.get("demo")
        out = io.BytesIO()
        r = vm.exec(["flood"], stdout=out)
        self.assertEqual((None, FLOOD, 0), (r.stdout, len(out.getvalue()), r.exit_code))
        stream = vm.exec_stream(["flood"])
        for _ in stream:
            break
        stream.close()
        self.assertTrue(self.fake.cancelled.wait(5), "the server saw the cancel")

    def test_a_file_goes_in_and_comes_back(self):
        vm = self.client.vms.get("demo")
        data = os.urandom(700_000)
        vm.put_file("/root/dir/blob.bin", data, mode=0o600)
        self.assertEqual(data, vm.get_file("/root/dir/blob.bin"))
        with tarfile.open(fileobj=io.BytesIO(self.fake.stored["/root/dir"])) as t:
            (member,) = t.getmembers()
            self.assertEqual(("blob.bin", 0o600, 700_000), (member.name, member.mode, member.size))
        with self.assertRaises(ValueError):
            vm.put_file("relative/path", b"x")


class TarTest(unittest.TestCase):
    def test_gnu_long_names_and_directories(self):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
            info = tarfile.TarInfo("n" * 150)
            info.size = 5
            t.addfile(info, io.BytesIO(b"hello"))
        self.assertEqual(b"hello", single_file([buf.getvalue()[i : i + 7] for i in range(0, len(buf.getvalue()), 7)], "/x"))
        dirs = io.BytesIO()
        with tarfile.open(fileobj=dirs, mode="w") as t:
            info = tarfile.TarInfo("dir")
            info.type = tarfile.DIRTYPE
            t.addfile(info)
        with self.assertRaises(IsADirectoryError):
            single_file([dirs.getvalue()], "/dir")

    def test_one_file_tar_is_a_valid_tar(self):
        raw = b"".join(one_file_tar("f", b"abc", 0o755))
        self.assertEqual(0, len(raw) % 512)
        with tarfile.open(fileobj=io.BytesIO(raw)) as t:
            self.assertEqual(b"abc", t.extractfile("f").read())


if __name__ == "__main__":
    unittest.main()
