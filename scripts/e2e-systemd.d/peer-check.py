#!/usr/bin/python3
"""One read-only call to each of banger's four sockets, as whoever runs this; prints one line per
service: "SERVICE allowed" or "SERVICE refused CODE: message". Used by scripts/e2e-systemd to check
the socket modes and peer policies of an installed banger from inside its container."""

import sys

sys.path.insert(0, sys.argv[1])  # clients/python/src

import grpc  # noqa: E402

from banger._proto.banger.disk.v1 import disk_pb2, disk_pb2_grpc  # noqa: E402
from banger._proto.banger.image.v1 import image_pb2, image_pb2_grpc  # noqa: E402
from banger._proto.banger.net.v1 import net_pb2, net_pb2_grpc  # noqa: E402
from banger._proto.banger.vm.v1 import vm_pb2, vm_pb2_grpc  # noqa: E402

CALLS = {
    "vm": lambda ch: vm_pb2_grpc.VmServiceStub(ch).ListVms(vm_pb2.ListVmsRequest(), timeout=20),
    "image": lambda ch: image_pb2_grpc.ImageServiceStub(ch).ListImages(
        image_pb2.ListImagesRequest(), timeout=20
    ),
    "net": lambda ch: net_pb2_grpc.NetServiceStub(ch).ListLeases(
        net_pb2.ListLeasesRequest(), timeout=20
    ),
    # An inode listing needs an image path; an empty request is refused by the peer check first,
    # and by argument checks (INVALID_ARGUMENT) only when the caller is allowed.
    "disk": lambda ch: disk_pb2_grpc.DiskServiceStub(ch).ListExt4Directory(
        disk_pb2.ListExt4DirectoryRequest(), timeout=20
    ),
}

for service, call in CALLS.items():
    with grpc.insecure_channel("unix:///run/banger/%s.sock" % service) as ch:
        try:
            call(ch)
            print(service, "allowed")
        except grpc.RpcError as e:
            code = e.code().name
            if code == "INVALID_ARGUMENT":
                print(service, "allowed", "(the call reached its argument checks)")
            else:
                print(service, "refused", code + ":", (e.details() or "").split("\n")[0][:160])
