#!/usr/bin/env python3
"""What a sandbox is for, from Python: create a VM, run a command with its streams apart, move
a file in and out, stream 100 MB of output, delete the VM.

    python3 examples/demo.py [--state-dir DIR] --name NAME

Prints one line per check on stdout (CI compares them); progress goes to stderr.
"""

import argparse
import os
import sys
import time

import banger


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state-dir")
    ap.add_argument("--name", required=True)
    args = ap.parse_args()

    c = banger.connect(args.state_dir)
    vm = c.vms.create(
        name=args.name,
        on_progress=lambda p: print("  [%d/%d] %s" % (p.stage_index, p.stage_count, p.message), file=sys.stderr),
    )
    try:
        print("created %s state=%s" % (vm.name, vm.state), flush=True)

        r = vm.exec(["sh", "-c", "echo out; echo err >&2; exit 3"])
        print("exec stdout=%r stderr=%r exit=%d" % (r.stdout, r.stderr, r.exit_code), flush=True)

        blob = os.urandom(1 << 20)
        vm.put_file("/root/blob", blob, mode=0o600)
        back = vm.get_file("/root/blob")
        print("files identical=%s bytes=%d" % (back == blob, len(back)), flush=True)

        t0 = time.monotonic()
        flood = vm.exec_stream(["head", "-c", "100000000", "/dev/zero"])
        n = sum(len(chunk) for _, chunk in flood)
        ms = int((time.monotonic() - t0) * 1000)
        print("flood bytes=%d exit=%d ms=%d" % (n, flood.exit_code, ms), flush=True)

        try:
            c.vms.get("no-such-vm-" + args.name)
        except banger.BangerError as e:
            print("error code=%s reason=%s" % (e.code_name, e.reason), flush=True)
    finally:
        vm.delete(force=True)
        print("deleted", flush=True)


if __name__ == "__main__":
    try:
        main()
    except banger.BangerError as e:
        print("demo: %s" % e, file=sys.stderr)
        sys.exit(1)
