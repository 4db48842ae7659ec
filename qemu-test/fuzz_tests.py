"""The fuzz smoke tests: each builds one libFuzzer target of tests/fuzz/
with the Makefile's rule and runs it briefly from a fresh corpus.
"""

import base64
import os
import struct
import subprocess

from sysutil import Failure


def fuzz_smoke(ctx, name, runs, seconds, seeds=()):
    """Builds the libFuzzer target tests/fuzz/fuzz_NAME.c with the
    Makefile's rule (its sources and flags are kept there) and runs it
    for `runs` inputs or `seconds`, whichever ends first, from a fresh
    corpus holding `seeds` ((file name, bytes) pairs).  Fails on any
    crash, sanitizer report or broken invariant; the log and a crash
    reproducer stay in the test's directory."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    exe = os.path.join(os.path.abspath(ctx.build), "fuzz", "fuzz_" + name)
    # A make of its own: not a job of the `make test` that runs us.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = subprocess.run(
        ["make", "--no-print-directory", "-C", root,
         "BUILD=" + os.path.abspath(ctx.build), exe],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=env)
    if r.returncode:
        raise Failure("clang could not build the fuzz target:\n"
                      + r.stdout[-3000:])
    corpus = os.path.join(ctx.work, "corpus")
    os.makedirs(corpus)
    for seed, data in seeds:
        with open(os.path.join(corpus, seed), "wb") as f:
            f.write(data)
    r = subprocess.run([exe, "-runs=%d" % runs,
                        "-max_total_time=%d" % seconds, corpus],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", cwd=ctx.work)
    with open(os.path.join(ctx.work, "fuzz.log"), "w") as f:
        f.write(r.stdout)
    if r.returncode:
        raise Failure("the fuzzer found a failing input (log in %s):\n%s"
                      % (ctx.work, r.stdout[-1500:]))


def test_fuzz_loader_smoke(ctx):
    """The loader's libFuzzer target runs 50,000 inputs, seeded with the
    real kernel's headers, without a crash or sanitizer report."""
    seeds = []
    for name, size in (("vmlinuz", 64 << 10), ("vmlinux", 16 << 10)):
        with open(os.path.join(ctx.guest, name), "rb") as f:
            seeds.append((name, f.read(size)))
    fuzz_smoke(ctx, "loader", 50000, 120, seeds)


def test_fuzz_virtq_smoke(ctx):
    """The packed-ring walker's libFuzzer target (any ring, descriptors
    and indirect tables in guest RAM) runs 20,000 inputs without a crash,
    sanitizer report or broken invariant.  Its seeds lay the used ring
    over the available ring, so that the device's avail_event store lands
    on a slot it has just read: the invariants must hold for any layout
    the guest picks."""
    seeds = [("used-ring-over-avail-%d" % i, base64.b64decode(b))
             for i, b in enumerate((
                 "///K/wAAAAAIAAAA+if8Aik+Kfr9AAAQAAAA/ykK",
                 "/////wAAAAAIAAACAAAAAH19fX19fX19fX0AAAAAAAAAAAAAAAAAAAAw"
                 "AAAAXQAAAAAANAD/AAAAAAD+CmA="))]
    fuzz_smoke(ctx, "virtq", 20000, 30, seeds)


def test_fuzz_virtio_blk_smoke(ctx):
    """virtio-blk's libFuzzer target (requests, register writes and
    resets over a RAM disk, writable then read-only) runs 20,000 inputs
    without a crash, sanitizer report or broken invariant."""
    fuzz_smoke(ctx, "virtio_blk", 20000, 30)


def test_fuzz_virtio_net_smoke(ctx):
    """virtio-net's libFuzzer target (transmit and receive over a fake
    frame port that may be busy) runs 20,000 inputs without a crash,
    sanitizer report or broken invariant."""
    fuzz_smoke(ctx, "virtio_net", 20000, 30)


def test_fuzz_pci_cfg_smoke(ctx):
    """The PCI configuration space's libFuzzer target (CF8/CFC, ECAM, BAR
    moves and BAR MMIO with the two virtio functions) runs 20,000 inputs
    without a crash, sanitizer report or broken invariant."""
    fuzz_smoke(ctx, "pci_cfg", 20000, 30)


def test_fuzz_http_smoke(ctx):
    """The management server's request parser (any bytes, whole and as
    they arrive) runs 20,000 inputs without a crash, sanitizer report or
    broken invariant, seeded with requests the server answers."""
    seeds = [("get", b"GET /v1/status HTTP/1.1\r\nAuthorization: Bearer "
              b"0123456789abcdef\r\n\r\n"),
             ("post", b"POST /v1/console HTTP/1.1\r\nContent-Length: 3\r\n"
              b"\r\nls\n"),
             ("query", b"GET /v1/log?offset=12 HTTP/1.0\r\n\r\n")]
    fuzz_smoke(ctx, "http", 20000, 30, seeds)


def decode_seed(mode, paging, levels, code):
    """fuzz_decode.c's input: a code size (0 16-, 1 32-, 2 64-bit), the
    paging bits, CR3 at page 0, a linear address mapped through pages
    1..levels, `code` written there, then a 15-byte fetch and decode."""
    la = 0x00007f1234567000 if paging & 8 else 0x12345000
    s = bytes([mode, paging, 0x00, 0]) + struct.pack("<Q", la)
    for lvl in range(levels):
        # P and RW; a PAE PDPTE has no RW bit (it is reserved there).
        s += bytes([lvl + 1, 0x01 if levels == 3 and lvl == 0 else 0x03, 0])
    return s + bytes([2, len(code)]) + code + bytes([3, 0x01, 15])


def test_fuzz_decode_smoke(ctx):
    """The MMIO instruction path's libFuzzer target (the guest page walk
    over page tables built from the input, then the MOV decoder on the
    bytes it fetched, checked against a reference walk and the SDM's
    length rules) runs 20,000 inputs without a crash, sanitizer report or
    broken invariant, seeded with a MOV under each paging mode."""
    seeds = [("long-mode", decode_seed(2, 0x0b, 4, bytes.fromhex(
                 "488b8780000000"))),      # mov rax, [rdi+0x80]
             ("pae", decode_seed(1, 0x03, 3, bytes.fromhex(
                 "c7056000c0fe01000000"))),  # mov dword [0xfec00060], 1
             ("32-bit", decode_seed(1, 0x05, 2, bytes.fromhex(
                 "668b0d1000c0fe")))]      # mov cx, [0xfec00010]
    fuzz_smoke(ctx, "decode", 20000, 30, seeds)


def test_fuzz_config_smoke(ctx):
    """The plinth.cfg parser's libFuzzer target (any file, error buffers
    of any size; accepted values within their bounds, messages well
    formed, CRLF, BOM and a trailing comment changing nothing) runs
    20,000 inputs without a crash, sanitizer report or broken invariant,
    seeded with the demo's configuration and one that sets every key."""
    root = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(root, "guest", "plinth.cfg"), "rb") as f:
        demo = f.read()
    every = (b"kernel = /guest/vmlinux\ninitrd = /guest/initrd.img\n"
             b"cmdline = console=ttyS0 root=/dev/vda #x\n"
             b"kernel_format = auto\nmemory = 512MiB\nhv_memory = 64M\n"
             b"on_guest_exit = restart\non_fault = reboot\nserial = com2\n"
             b"debug_exit = 0xf4\nguest_slice = 2ms\nselftest = disk,net\n"
             b"disk = ahci:0:label=rootfs\ndisk_readonly = yes\n"
             b"net_mac = 02:50:4c:4e:54:01\nvirtio_ring = split\n"
             b"nic = 00:02.0\nmgmt = static 192.168.1.50/24 192.168.1.1\n"
             b"mgmt_mac = 52:54:00:12:34:56\nmgmt_port = 8080\n"
             b"mgmt_token = 0123456789abcdef\nmgmt_guest_access = allow\n")
    # The first byte picks the error buffer: 0, the whole 512 bytes.
    fuzz_smoke(ctx, "config", 20000, 30,
               [("demo", b"\0" + demo), ("every-key", b"\0" + every)])


def gpt_seed(want):
    """fuzz_gpt.c's input: the unit test's disk (tests/unit/test_ahci.c,
    make_gpt) of 100000 sectors with partitions 1 "esp" and 2 "data",
    CRCs mended by the target, asking for partition 2 by number (0),
    label (1) or unique GUID (2)."""
    hdr = bytearray(92)
    hdr[0:8] = b"EFI PART"
    struct.pack_into("<IIIIQQQQ", hdr, 8, 0x10000, 92, 0, 0, 1, 99999, 34,
                     99966)
    struct.pack_into("<QII", hdr, 72, 2, 128, 128)
    ents = bytearray(2 * 128)
    for i, (name, first, last) in enumerate((("esp", 2048, 4095),
                                             ("data", 4096, 99000))):
        e = 128 * i
        ents[e:e + 16] = bytes([0x11 + i]) * 16
        ents[e + 16:e + 32] = bytes(range(16 * i, 16 * i + 16))
        struct.pack_into("<QQ", ents, e + 32, first, last)
        ents[e + 56:e + 56 + 2 * len(name)] = name.encode("utf-16-le")
    asked = (struct.pack("<H", 2), bytes([4]) + b"data",
             bytes(range(16, 32)))[want]
    return (bytes([want << 3]) + struct.pack("<I", 100000) + asked
            + struct.pack("<H", 92) + bytes(hdr) + bytes(ents))


def test_fuzz_gpt_smoke(ctx):
    """The GPT partition finder's libFuzzer target (any header and entry
    array, CRCs mended unless the input says not; what is found lies in
    the disk and the usable area, clear of the tables) runs 20,000 inputs
    without a crash, sanitizer report or broken invariant, seeded with a
    two-partition disk asked by number, label and GUID."""
    fuzz_smoke(ctx, "gpt", 20000, 30,
               [("by-%s" % k, gpt_seed(i))
                for i, k in enumerate(("number", "label", "guid"))])


def ahci_seeds():
    """fuzz_ahci.c's inputs: an NCQ disk with TRIM taking reads, a write,
    a flush and a TRIM completed by a good HBA, then an error and the
    retry; and a one-command-at-a-time disk with a write and write
    zeroes completed slot by slot."""
    def piece(form, off, length):
        return bytes([form]) + struct.pack("<HH", off, length)

    def submit(kind, sector, pieces, count=None):
        b = (bytes([0, kind]) + struct.pack("<I", sector)
             + bytes([len(pieces)]) + b"".join(pieces))
        return b + (struct.pack("<I", count) if count is not None else b"")

    ncq = bytes([0x3f, 0x01]) + struct.pack("<I", 1 << 20)
    ncq += submit(0, 100, [piece(0, 1, 7), piece(0, 9, 0)])
    ncq += submit(1, 200, [piece(12, 3, 0)]) + bytes([10])
    ncq += submit(2, 0, []) + submit(3, 5000, [], 200000) + bytes([10, 10])
    ncq += submit(0, 300, [piece(0, 20, 7)])
    ncq += bytes([5]) + struct.pack("<I", 1 << 30) + bytes([9, 10])
    one = bytes([0x00, 0x00]) + struct.pack("<I", 1 << 16)
    one += submit(1, 8, [piece(0, 1, 3)]) + submit(4, 16, [], 64)
    one += bytes([1, 0, 9, 1, 0, 9])
    return [("ncq", ncq), ("one-at-a-time", one)]


def test_fuzz_ahci_smoke(ctx):
    """The AHCI request engine's libFuzzer target (requests of every kind
    against a hostile HBA: any byte counts, register bits, header
    scribbles, timeouts and failing restarts; requests complete once,
    never OK when short, commands well formed and within their own
    buffers, never in a slot the HBA holds, nothing completed while the
    HBA may still move its data) runs 20,000 inputs without a crash,
    sanitizer report or broken invariant."""
    fuzz_smoke(ctx, "ahci", 20000, 30, ahci_seeds())


def nvme_seeds():
    """fuzz_nvme.c's inputs: a disk with every command taking a write in
    two pieces, a read split by the PRP rules, a flush, a deallocate and
    write zeroes from a good controller; and one whose controller answers
    a command with a CID it never had, then stays silent until the
    timeout; and a write over pieces no PRP can describe, which goes a
    block per command."""
    def submit(kind, sector, pieces=(), count=0):
        """A read or write over `pieces`, or another kind of `count`."""
        b = bytes([0, kind]) + struct.pack("<H", sector)
        b += bytes([(len(pieces) - 1) % 8 if pieces else 0])
        if kind <= 1:
            return b + b"".join(struct.pack("<HH", off, n)
                                for off, n in pieces)
        return b + bytes([count])

    good = bytes([0x3e])
    good += submit(1, 64, [(0, 0x8001), (8192, 0x8000)]) + bytes([8])
    good += submit(0, 64, [(100, 1024), (5000, 2048)]) + bytes([8])
    good += submit(2, 0) + submit(3, 8, count=16)
    good += submit(4, 32, count=16) + bytes([8, 8])
    bad = bytes([0x3f])
    bad += submit(0, 8, [(4096, 0x8000)]) + bytes([1, 3])
    bad += struct.pack("<HHH", 0x7ff, 0, 1) + bytes([1, 4, 5, 1, 4, 8])
    # A byte, then seven runs of 16 whole pages: every block straddles
    # two pieces at an odd offset and goes alone through the bounce page,
    # 897 commands for the one request; and two completion entries made
    # up before the good controller takes over, whose first round then
    # overflows the CQ and is lost to a timeout.
    long = bytes([0x04])
    long += submit(1, 16, [(1, 1)] + [(16 * i, 0x800f) for i in range(7)])
    long += 2 * (bytes([3]) + struct.pack("<HHH", 0x7ff, 0, 0) + bytes([1]))
    return [("good", good), ("bogus-then-silent", bad),
            ("one-block-commands", long)]


def test_fuzz_nvme_smoke(ctx):
    """The NVMe request engine's libFuzzer target (requests of every kind
    over any scatter list against a hostile controller: commands run in
    any order with any status, completion entries made up whole, CSTS,
    timeouts and failing resets; requests complete once, nothing written
    outside their own pieces, everything done once the controller
    behaves) runs 20,000 inputs without a crash, sanitizer report or
    broken invariant."""
    fuzz_smoke(ctx, "nvme", 20000, 30, nvme_seeds())


def test_fuzz_e1000_smoke(ctx):
    """The e1000 rings' libFuzzer target (frames sent copied and held,
    against a NIC that reports any length, status and errors, marks done
    out of order and moves its heads) runs 20,000 inputs without a crash,
    sanitizer report or broken invariant, seeded with a burst of held
    frames, a received frame and a transmit hang."""
    s = bytes([0x07])
    s += bytes([11, 40]) + struct.pack("<H", 600) + bytes([0x12, 0x01])
    s += bytes([0]) + struct.pack("<H", 100) + bytes([0x01, 0x02])
    s += bytes([3, 20, 8]) + struct.pack("<H", 1)
    s += bytes([1, 0]) + struct.pack("<H", 64) + bytes([0x03, 0x00, 0x05, 7])
    s += bytes([10, 11, 5]) + struct.pack("<H", 600) + bytes([0x12, 0x09])
    s += bytes([8]) + struct.pack("<H", 3000)  # a hang: the NIC is reset
    fuzz_smoke(ctx, "e1000", 20000, 30, [("burst", s)])


def test_fuzz_platform_smoke(ctx):
    """The interrupt and timer chips' libFuzzer target (LAPIC, IOAPIC,
    PIC/PIT: register accesses of any offset and size, time, interrupts
    taken and ended; pending vectors valid, reads without effect, the
    timer count within its initial count) runs 20,000 inputs without a
    crash, sanitizer report or broken invariant, seeded with a periodic
    LAPIC timer and the PIT on IOAPIC pin 2."""
    def mmio_w(off, v):
        return bytes([1]) + struct.pack("<HBI", off, 2, v)

    s = bytes([0x02])
    s += mmio_w(0x3e0, 0x3) + mmio_w(0x320, 0x20040) + mmio_w(0x380, 1000)
    s += bytes([7, 0x00, 2]) + struct.pack("<I", 0x14)
    s += bytes([7, 0x10, 2]) + struct.pack("<I", 0x30)
    s += bytes([10, 7, 0, 0x34, 10, 4, 0, 0x9c, 10, 4, 0, 0x2e])
    for _ in range(3):
        # 16 ms: past the PIT's 10 ms and many LAPIC periods.
        s += bytes([11]) + struct.pack("<HB", 0x1000, 0) + bytes([12])
        s += bytes([12, 13, 0])
    fuzz_smoke(ctx, "platform", 20000, 30, [("timers", s)])


def net_path_seed():
    """fuzz_net_path.c's input: MTU 1500, link up, management on; a
    packed-ring bring-up with queues of 16 apart in low RAM; transmit
    frames (one held by the NIC), a receive buffer and a frame for it;
    a reset while the NIC holds a frame, the NIC sending, a bring-up on
    fresh memory and more frames from both sides."""
    def bringup():
        b = bytes([0x01, 0x00, 0xff])
        for desc, drv, dev in ((0x1000, 0x1200, 0x1210),
                               (0x2000, 0x2200, 0x2210)):
            b += struct.pack("<HBHHHB", 16, 0, desc, drv, dev, 0xff)
        return b

    def post(lay, length, off, seed):
        return (bytes([0, lay]) + struct.pack("<HH", length, off)
                + bytes([0x00, seed]))

    s = struct.pack("<H", 1432) + bytes([0x03]) + bringup()
    s += post(0x01, 300, 0x4000, 0x11) + bytes([1])
    s += post(0x09, 1000, 0x5000, 0x22) + bytes([1])
    s += post(0x00, 1500, 0x8000, 0x33)
    s += bytes([8, 1]) + struct.pack("<H", 200) + bytes([0x44])
    s += bytes([4, 14, 13, 14])
    s += bytes([5, 1]) + bringup()
    s += post(0x01, 60, 0x4000, 0x55) + bytes([1, 13])
    s += bytes([11, 0x00]) + struct.pack("<H", 100) + bytes([0x66, 13])
    return s


def test_fuzz_net_path_smoke(ctx):
    """The guest's transmit path's libFuzzer target (virtio-net over the
    frame switch over the e1000 rings, the real code throughout: frames
    on the wire carry their sender's MAC and are the ones handed on,
    refused chains never reach the switch, each buffer is used once, and
    a reset does not complete while the NIC may still read the guest's
    frames) runs 20,000 inputs without a crash, sanitizer report or
    broken invariant."""
    fuzz_smoke(ctx, "net_path", 20000, 30, [("reset-while-held",
                                             net_path_seed())])


TESTS = [
    test_fuzz_loader_smoke,
    test_fuzz_virtq_smoke,
    test_fuzz_virtio_blk_smoke,
    test_fuzz_virtio_net_smoke,
    test_fuzz_pci_cfg_smoke,
    test_fuzz_http_smoke,
    test_fuzz_decode_smoke,
    test_fuzz_config_smoke,
    test_fuzz_gpt_smoke,
    test_fuzz_ahci_smoke,
    test_fuzz_nvme_smoke,
    test_fuzz_e1000_smoke,
    test_fuzz_platform_smoke,
    test_fuzz_net_path_smoke,
]
