"""banger's Python client: VMs, exec and files over banger's gRPC API on its Unix sockets.

    import banger
    c = banger.connect()                   # $BANGER_STATE_DIR, else /run/banger
    vm = c.vms.create(name="demo")
    r = vm.exec(["uname", "-a"])
    print(r.stdout.decode(), r.exit_code)
    vm.delete(force=True)

Every failed call raises BangerError (code, message, reason, metadata). The generated stubs of
every service are in banger._proto (e.g. banger._proto.banger.vm.v1.vm_pb2) and the stubs
bound to this client's channels in Client.raw.
"""

import grpc

from banger._errors import BangerError, translated
from banger._exec import ExecResult, ExecStream
from banger._proto.banger.common.v1 import common_pb2_grpc
from banger._proto.banger.image.v1 import image_pb2, image_pb2_grpc
from banger._proto.banger.vm.v1 import snapshot_pb2_grpc, vm_pb2_grpc
from banger._proto.grpc.health.v1 import health_pb2, health_pb2_grpc
from banger._sockets import resolve_socket_dir, target
from banger._vms import Progress, Vm, Vms

__all__ = ["connect", "Client", "BangerError", "ExecResult", "ExecStream", "Progress", "Vm"]
__version__ = "0.1.0"


def connect(state_dir=None, socket_dir=None):
    """A client of the stack whose sockets are in socket_dir, or STATE_DIR/run (argument, then
    $BANGER_STATE_DIR), or /run/banger. Nothing connects until the first call."""
    return Client(resolve_socket_dir(state_dir, socket_dir))


class Raw:
    """Generated stubs on this client's channels, for every RPC the thin API does not wrap."""

    def __init__(self, client):
        self._client = client

    @property
    def vm(self):
        return vm_pb2_grpc.VmServiceStub(self._client.channel("vm"))

    @property
    def snapshot(self):
        """banger.vm.v1.SnapshotService on vm.sock."""
        return snapshot_pb2_grpc.SnapshotServiceStub(self._client.channel("vm"))

    @property
    def image(self):
        return image_pb2_grpc.ImageServiceStub(self._client.channel("image"))

    def operations(self, service="vm"):
        """Each service serves OperationsService for the operations it runs."""
        return common_pb2_grpc.OperationsServiceStub(self._client.channel(service))

    def health(self, service="vm"):
        return health_pb2_grpc.HealthStub(self._client.channel(service))


class Images:
    def __init__(self, client):
        self._client = client

    def list(self):
        """Every image (banger.image.v1.Image messages), all pages."""
        images, token = [], ""
        with translated():
            while True:
                r = self._client.raw.image.ListImages(image_pb2.ListImagesRequest(page_token=token))
                images.extend(r.images)
                token = r.next_page_token
                if not token:
                    return images


class Client:
    def __init__(self, directory):
        self.socket_dir = directory
        self._channels = {}
        self.raw = Raw(self)
        self.vms = Vms(self)
        self.images = Images(self)

    def channel(self, service):
        if service not in self._channels:
            self._channels[service] = grpc.insecure_channel(target(self.socket_dir, service))
        return self._channels[service]

    def health(self, service="vm"):
        """"SERVING" when the service answers and serves; the status name otherwise."""
        with translated():
            r = self.raw.health(service).Check(health_pb2.HealthCheckRequest(), timeout=10)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(r.status)

    def close(self):
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

