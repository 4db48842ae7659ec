"""What the system test modules share: the Ctx a test runs in, the Failure
it raises, the checks of a console log, and TcpPeer, the host's end of
the demo guest's TCP exchange.  It imports none of the test modules.
"""

import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import threading

import bench

# Plinth's own failures; a broken canary (memory beside guest RAM or one
# of Plinth's buffers written) fails any test that sees it.
FAIL_MARKS = ("FATAL:", "PANIC:", "canary: the guard page of")


class Failure(Exception):
    pass


class Ctx:
    def __init__(self, build, name):
        self.build = build
        self.work = os.path.join(build, "qemu-test", name)
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.image = os.path.join(build, "plinth.img")
        self.efi = os.path.join(build, "plinth.efi")
        self.guest = os.path.join(build, "guest")

    def image_with_config(self, cfg, extra=()):
        """The demo image's layout with another plinth.cfg, plus `extra`
        (esp_path, source) files."""
        path = os.path.join(self.work, "test.img")
        bench.make_image(path, bench.image_files(
            self.efi, cfg.encode(), os.path.join(self.guest, "vmlinuz"),
            os.path.join(self.guest, "initrd.img")) + list(extra))
        return path


def blank_disk(ctx, mib, name="scratch.img"):
    """A sparse disk image of `mib` MiB of zeros in the test's directory;
    its path."""
    os.makedirs(ctx.work, exist_ok=True)
    path = os.path.join(ctx.work, name)
    with open(path, "wb") as f:
        f.truncate(mib << 20)
    return path


def serial_so_far(work):
    """The serial console a run in `work` has written so far ("" before
    it starts)."""
    try:
        with open(os.path.join(work, "serial.txt"), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def check_config(ctx, img):
    """build/plinth-check-config on the ESP of `img`, copied out: (exit
    status, output)."""
    esp = os.path.join(ctx.work, "esp")
    shutil.rmtree(esp, ignore_errors=True)
    os.makedirs(esp)
    subprocess.run(["mcopy", "-s", "-i", "%s@@1M" % img, "::/", esp + "/"],
                   check=True, stdout=subprocess.DEVNULL)
    r = subprocess.run([os.path.join(ctx.build, "plinth-check-config"),
                        "-C", esp, os.path.join(esp, "EFI/BOOT/plinth.cfg")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    return r.returncode, r.stdout


def expect(text, needle, what):
    if needle not in text:
        raise Failure("%s: %r not in the console output%s"
                      % (what, needle, _near(text, needle)))


def _near(text, needle):
    """The lines that start as `needle` does up to its last ": " (what a
    report line holds instead), for the failure message."""
    key = needle.strip()
    if ": " not in key:
        return ""
    key = key.rsplit(": ", 1)[0] + ":"
    lines = [ln for ln in text.splitlines() if key in ln][:3]
    return "; instead: %r" % lines if lines else ""


def expect_re(text, pattern, what):
    m = re.search(pattern, text, re.M)
    if not m:
        raise Failure("%s: no line matches %r" % (what, pattern))
    return m


def no_faults(res):
    for mark in FAIL_MARKS:
        if mark in res.serial:
            i = res.serial.index(mark)
            raise Failure("the hypervisor failed: " + res.serial[i:i + 300])


def expect_banner(res):
    expect_re(res.serial, r"^plinth: Plinth \d+\.\d+\.\d+ ", "UEFI banner")
    expect_re(res.serial, r"\] Plinth \d+\.\d+\.\d+ .*: hypervisor core "
              r"running$", "core banner")


def expect_clean_qemu_poweroff(res, why):
    """QEMU exits 0 only through the ACPI power-off that the firmware's
    ResetSystem performs; failures leave through isa-debug-exit (odd
    statuses) or hang until the timeout."""
    expect(res.serial, "powering off: " + why, "power-off")
    if res.timed_out:
        raise Failure("QEMU did not exit after the power-off line "
                      "(timeout after %.0f s)" % res.seconds)
    if res.status != 0:
        raise Failure("QEMU exit status %r, want 0 (ACPI power-off)"
                      % res.status)


NO_VIRT = ("cpu: no hardware virtualization: this CPU has neither Intel "
           "VT-x (VMX) nor AMD-V (SVM); Plinth needs one of them, with EPT "
           "or nested paging")


class TcpPeer:
    """The server end of the guest's net-test.sh exchange, on the host's
    127.0.0.1 (which user networking shows the guest as 10.0.2.2): it reads
    "PLINTH <n>" and n bytes, answers "OK <their sha256>" and `down` bytes
    of its own, and closes."""

    def __init__(self, down_bytes=512 << 10, timeout=1500, gate=None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(timeout)
        self.port = self.sock.getsockname()[1]
        self.down = random.Random(7).randbytes(down_bytes)
        self.received, self.error = None, None
        # With a gate (a threading.Event), the answer waits until it is
        # set: the connection stays open, mid-exchange, until then.
        self.gate, self.gated = gate, False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(600)
                data = b""
                while b"\n" not in data:
                    more = conn.recv(4096)
                    if not more:
                        raise EOFError("no header line: %r" % data[:64])
                    data += more
                head, data = data.split(b"\n", 1)
                word, n = head.split()
                if word != b"PLINTH":
                    raise ValueError("header %r" % head)
                while len(data) < int(n):
                    more = conn.recv(65536)
                    if not more:
                        raise EOFError("%d of %s bytes" % (len(data), n))
                    data += more
                self.received = data
                if self.gate:
                    self.gated = self.gate.wait(600)
                conn.sendall(b"OK %s\n" % hashlib.sha256(data)
                             .hexdigest().encode() + self.down)
        except Exception as e:  # reported by check()
            self.error = e
        finally:
            self.sock.close()

    def cmdline(self):
        return "plinth.nettest=10.0.2.2:%d" % self.port

    def check(self, s, address="10.0.2.15"):
        """The guest's report against what this end saw."""
        expect(s, "plinth-net: address: " + address + "\n", "DHCP lease")
        m = expect_re(s, r"^plinth-net: sent: (\d+) bytes, sha256 "
                      r"([0-9a-f]{64})$", "data sent")
        if self.error or self.received is None:
            raise Failure("the host's TCP server got no exchange: %s"
                          % self.error)
        if len(self.received) != int(m.group(1)) or \
                hashlib.sha256(self.received).hexdigest() != m.group(2):
            raise Failure("the server received %d bytes that differ from "
                          "what the guest sent" % len(self.received))
        expect_re(s, r"^plinth-net: server: OK %s$" % m.group(2),
                  "server's answer")
        expect(s, "plinth-net: received: %d bytes, sha256 %s" % (
            len(self.down), hashlib.sha256(self.down).hexdigest()),
            "data received")
        expect(s, "plinth-net: done: 0 failed", "network exercise")


def check_cpus_started(s, n):
    """Plinth started every CPU the firmware's MADT lists, each once, each
    on its own APIC ID, woke each once for a job it ran; none failed to
    answer."""
    expect_re(s, r"acpi: MADT: %d processors, APIC IDs( \d+){%d}; " % (n, n),
              "the MADT's processors")
    m = expect_re(s, r"smp: (\d+) of (\d+) CPUs running \(cpu 0, APIC ID "
                  r"(\d+), is this one\)$", "the CPUs running")
    if m.group(1) != str(n) or m.group(2) != str(n):
        raise Failure("%s of %s CPUs running, want %d of %d"
                      % (m.group(1), m.group(2), n, n))
    ids = {int(m.group(3))}
    for i in range(1, n):
        m = expect_re(s, r"smp: cpu %d \(APIC ID (\d+)\) started and "
                      r"parked$" % i, "cpu %d" % i)
        ids.add(int(m.group(1)))
        # Woken by an IPI for one job, which it ran on its own LAPIC.
        expect_re(s, r"smp: cpu %d woke for a job and ran it on APIC ID "
                  r"%s in \d+ us$" % (i, m.group(1)), "cpu %d's job" % i)
    if len(ids) != n:
        raise Failure("APIC IDs %s: a CPU was started twice" % sorted(ids))
    if "did not answer" in s:
        raise Failure("a CPU did not answer: " + s[s.index("did not"):][:200])


def check_io_core(s, cpus):
    """With one CPU the devices share it with the guest, and the log says
    so; with more, Plinth started them all (check_cpus_started) and the
    devices run on the I/O core, which polls the queues: the guest's
    drivers were told not to notify while it polled (they are again while
    it sleeps, which it did), and the devices' interrupts reached the vCPU
    from the other core."""
    if cpus == 1:
        expect(s, "iocore: off (Plinth runs on one CPU)", "single-core mode")
        return
    check_cpus_started(s, cpus)
    expect_re(s, r"iocore: the devices on CPU 1 \(APIC ID \d+\), polled; "
              r"the guest's vCPU on CPU 0$", "the I/O core")
    m = expect_re(s, r"iocore: cpu 1: (\d+) polls, (\d+) calls from the "
                  r"vCPU, (\d+) holds, (\d+) interrupts posted, (\d+) "
                  r"kicks", "the I/O core's counters")
    if int(m.group(4)) == 0 or int(m.group(5)) == 0:
        raise Failure("no interrupt reached the vCPU from the I/O core: "
                      + m.group(0))
    m = expect_re(s, r"iocore: cpu 1: awake [0-9.]+% of \d+ ms; (\d+) "
                  r"naps, \d+ woken early by the vCPU's calls, (\d+) by a "
                  r"device", "the I/O core's naps")
    if int(m.group(1)) == 0:
        raise Failure("the I/O core never slept: " + m.group(0))
    # QEMU's e1000e (an 82574L) has MSI and wakes the napping I/O core
    # when a frame comes; its e1000 (an 82540EM) has none, and the I/O
    # core naps on a short timer instead.
    if re.search(r"e1000: [0-9a-f:.]+: 82574L ", s):
        expect(s, "iocore: the NIC wakes it from a nap (MSI); naps of up "
               "to 10 ms", "the NIC's wake-up")
        if int(m.group(2)) == 0:
            raise Failure("no frame woke the napping I/O core: "
                          + m.group(0))
    elif re.search(r"e1000: [0-9a-f:.]+: 82540EM ", s):
        expect(s, "iocore: naps of 1 ms: the NIC cannot wake it", "the "
               "I/O core's nap without a wake-up from the NIC")
    # A driver notifies while the I/O core polls if it read the
    # suppression just before the I/O core woke and turned it off: one
    # notification in a few dozen, under TCG, where an exit takes long
    # next to a nap.  One that ignores it notifies on nearly every request.
    queues = list(re.finditer(r"virtio: (\w+) queue (\d+): (\d+) "
                              r"requests, .*, (\d+) notifications while "
                              r"polled", s))
    if not queues:
        raise Failure("no virtio queue's counters in the log")
    for q in queues:
        if int(q.group(4)) > 2 + int(q.group(3)) // 10:
            raise Failure("%s queue %s was notified %s times in %s requests "
                          "while the I/O core polled it"
                          % (q.group(1), q.group(2), q.group(4),
                             q.group(3)))
