"""The fuzz smoke tests: each builds one libFuzzer target of tests/fuzz/
with the Makefile's rule and runs it briefly from a fresh corpus.
"""

import base64
import os
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


TESTS = [
    test_fuzz_loader_smoke,
    test_fuzz_virtq_smoke,
    test_fuzz_virtio_blk_smoke,
    test_fuzz_virtio_net_smoke,
    test_fuzz_pci_cfg_smoke,
    test_fuzz_http_smoke,
]
