"""The I/O core under load: QEMU TCG with AMD-V and -smp 2, the demo
guest running disk and network at once (qemu-test/guest/stress.sh) while
the management API is hammered, then reset and powered off through the API
in the middle of that I/O.  Whatever the guest said it had written with
fsync must be in the disk image afterwards.
"""

import concurrent.futures
import json
import re
import socket
import threading
import time

import bench
import mgmt_client
from mgmt_client import AUTH, request
from sysutil import (FAIL_MARKS, Failure, blank_disk, check_io_core, expect,
                     expect_clean_qemu_poweroff, no_faults, serial_so_far)


class Sink:
    """Accepts the guest's connections and counts what they carry."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.bytes = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drain, args=(conn,),
                             daemon=True).start()

    def _drain(self, conn):
        with conn:
            conn.settimeout(120)
            try:
                while True:
                    more = conn.recv(65536)
                    if not more:
                        return
                    with self.lock:
                        self.bytes += len(more)
            except OSError:
                return


def wait_for(work, pattern, within, alive):
    """Until the console matches `pattern` (a regex)."""
    end = time.monotonic() + within
    while time.monotonic() < end and alive():
        if re.search(pattern, serial_so_far(work), re.M):
            return
        time.sleep(1)
    raise Failure("%r did not appear within %d s (console: ...%s)"
                  % (pattern, within, serial_so_far(work)[-800:]))


def hammer(port, seconds):
    """Four clients at once on every read-only endpoint for `seconds`:
    every answer must be a 200, and /v1/status valid JSON.  Returns how
    many requests were answered."""
    paths = ("/v1/status", "/metrics", "/v1/log", "/v1/console")
    end = time.monotonic() + seconds

    def client(k):
        n = 0
        while time.monotonic() < end:
            path = paths[(k + n) % len(paths)]
            st, _, body = request(port, "GET", path, AUTH, timeout=30)
            if st != 200:
                raise Failure("GET %s during I/O: %d %r" % (path, st,
                                                           body[:200]))
            if path == "/v1/status":
                json.loads(body)
            n += 1
        return n
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        return sum(ex.map(client, range(4)))


def iocore_metrics(port):
    """The I/O core's counters in /metrics (CPU 1's): {name: value}, with
    every one there, and the polls, calls and posts not 0 once the guest
    has done I/O."""
    st, _, body = request(port, "GET", "/metrics", AUTH)
    text = body.decode() if isinstance(body, bytes) else body
    got = dict(re.findall(r'^plinth_iocore_(\w+)_total\{cpu="1"\} (\d+)$',
                          text, re.M))
    names = ("polls", "naps", "asleep_us", "naps_ended_by_devices", "calls",
             "holds", "interrupts_posted", "kicks", "ring_full_waits",
             "naps_ended_by_calls")
    missing = [n for n in names if n not in got]
    if st != 200 or missing:
        raise Failure("/metrics lacks the I/O core's %s" % missing)
    for n in ("polls", "calls", "interrupts_posted"):
        if int(got[n]) == 0:
            raise Failure("/metrics: plinth_iocore_%s_total is 0" % n)
    return {n: int(v) for n, v in got.items()}


def post(port, path):
    st, _, body = request(port, "POST", path, AUTH)
    if st != 202:
        raise Failure("POST %s: %d %r" % (path, st, body))


def check_records(s, scratch):
    """Every record the guest reported written with fsync, as it wrote it,
    in the image QEMU left."""
    done = re.findall(r"^plinth-stress: boot (\d+) record (\d+) fsync'd$",
                      s, re.M)
    with open(scratch, "rb") as f:
        img = f.read()
    for b, i in done:
        off = (int(b) * 256 + int(i)) * 65536
        line = ("plinth stress boot %s record %s\n" % (b, i)).encode()
        want = (line * (65536 // len(line) + 1))[:65536]
        if img[off:off + 65536] != want:
            raise Failure("boot %s record %s was written with fsync but the "
                          "image holds something else at %d" % (b, i, off))
    return len(done)


def test_qemu_io_core_stress_reset_poweroff(ctx):
    """Two CPUs, the devices on the I/O core: the guest writes records
    with fsync to its AHCI-backed disk and sends to the host at once while
    four clients hammer the management API; a reset through the API
    during that I/O restarts the guest, which does it all again, and a
    power-off through the API ends it.  Every answer is a 200, both boots
    moved data on both devices, and every record reported written with
    fsync is in the image."""
    sink = Sink()
    port = mgmt_client.free_port()
    scratch = blank_disk(ctx, 64)
    img = ctx.image_with_config(
        "kernel = /guest/vmlinuz\ninitrd = /guest/initrd.img\n"
        "cmdline = console=ttyS0 plinth.stress=10.0.2.2:%d\n"
        "memory = 256M\ndisk = ahci:1\nnic = auto\n"
        "mgmt = static 10.0.2.20/24 10.0.2.2\nmgmt_token = %s\n"
        % (sink.port, mgmt_client.TOKEN))
    out = {}

    def run():
        out["res"] = bench.run_qemu(img, ctx.work, timeout=900,
                                    stop_on=FAIL_MARKS, nics=("e1000",),
                                    scratch=scratch, svm=True,
                                    hostfwd=((port, 8080, "10.0.2.20"),),
                                    extra=("-smp", "2"))
    t = threading.Thread(target=run, daemon=True)
    t.start()
    answered = []
    for boot in (1, 2):
        wait_for(ctx.work, r"^guest\| plinth-stress: boot %d record 8 "
                 r"fsync'd$" % boot, 600, t.is_alive)
        before = sink.bytes
        answered.append(hammer(port, 10))
        if sink.bytes == before:
            raise Failure("boot %d: nothing reached the host while the API "
                          "was hammered" % boot)
        iocore_metrics(port)
        post(port, "/v1/guest/reset" if boot == 1 else
             "/v1/guest/poweroff")
    t.join(300)
    if t.is_alive() or "res" not in out:
        raise Failure("QEMU did not end after the power-off")
    res = out["res"]
    no_faults(res)
    s = res.serial
    check_io_core(s, 2)
    expect(s, "guest: ended: reset through the management plane",
           "the reset")
    expect(s, "guest: ended: powered off through the management plane",
           "the power-off")
    expect_clean_qemu_poweroff(res, "on_guest_exit = poweroff")
    n = check_records(s, scratch)
    if n < 16:
        raise Failure("only %d records were written with fsync" % n)
    print("%d records checked, %d API answers during I/O, %d bytes to the "
          "host" % (n, sum(answered), sink.bytes))


TESTS = [test_qemu_io_core_stress_reset_poweroff]
