"""PutFiles and GetFiles carry tar streams; these turn one file into a stream and back,
without holding a whole tar in memory."""

import io
import posixpath
import tarfile
import time

from banger._proto.banger.vm.v1 import vm_pb2

CHUNK = 256 * 1024


def split_guest_path(path):
    if not path.startswith("/"):
        raise ValueError("guest path %r must be absolute" % path)
    path = posixpath.normpath(path)
    directory, name = posixpath.split(path)
    if not name:
        raise ValueError("guest path %r names no file" % path)
    return directory, name


def one_file_tar(name, data, mode):
    """A tar stream of one regular file, in chunks: header, content, padding, end blocks."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(time.time())
    info.uname = info.gname = "root"
    yield info.tobuf(format=tarfile.PAX_FORMAT)
    view = memoryview(data)
    for i in range(0, len(view), CHUNK):
        yield bytes(view[i : i + CHUNK])
    pad = -len(data) % tarfile.BLOCKSIZE
    yield b"\0" * pad + b"\0" * (2 * tarfile.BLOCKSIZE)


def put_requests(vm, directory, chunks):
    yield vm_pb2.PutFilesRequest(start=vm_pb2.PutFilesStart(vm=vm, directory=directory))
    for chunk in chunks:
        view = memoryview(chunk)
        for i in range(0, len(view), CHUNK):
            yield vm_pb2.PutFilesRequest(tar=bytes(view[i : i + CHUNK]))


class ChunkReader(io.RawIOBase):
    """A file object over an iterator of byte chunks, for tarfile's streaming mode."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self):
        return True

    def readinto(self, target):
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def single_file(chunks, path):
    """The content of the one regular file a GetFiles stream of `path` carries."""
    with tarfile.open(fileobj=io.BufferedReader(ChunkReader(chunks), CHUNK), mode="r|") as tar:
        for member in tar:
            if member.isdir():
                raise IsADirectoryError("%s is a directory in the VM; use get_tar" % path)
            if not member.isfile():
                raise ValueError("%s is not a regular file in the VM (tar type %r)" % (path, member.type))
            return tar.extractfile(member).read()
    raise ValueError("the VM sent an empty tar for %s" % path)
