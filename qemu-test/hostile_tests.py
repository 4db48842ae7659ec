"""A hostile driver inside a real guest: the demo initramfs's /bin/hostile
(qemu-test/guest/hostile/) drives Plinth's virtio-pci devices itself, with
Linux's virtio drivers not loaded (plinth.hostile=MODE on the command
line), and attacks them: rings, chains, indirect tables, indices, queue
set-up, features, the status machine, PCI configuration space, BARs and
MSI-X.  Each attack ends in a verdict the program checks itself ("refused,
device alive" or "needs reset"; anything else is FAIL), one console line
each, and a summary line.  These tests read that table and fail unless
enough attacks ran, all passed, Plinth named its refusals in its log and
the guest powered off normally (Plinth stayed up).
"""

import collections
import os
import random
import re

import bench
import pcap
from sysutil import (FAIL_MARKS, Failure, expect, expect_clean_qemu_poweroff,
                     no_faults)

# Attacks that fail because of a bug in Plinth, not in the test: "DEVICE
# RING NAME" as the verdict line names them (e.g. "blk split desc-loop").
# A known failure does not fail the test; delete the entry once Plinth is
# fixed (the test says so when one passes again).
KNOWN_PRODUCT_BUGS = set()

# The guest's console lines reach the serial port behind Plinth's "guest| ".
LINE = re.compile(r"^(?:guest\| )?hostile: (\d{3}) (blk|net) "
                  r"(packed|split|any) (\S+): (.*)$", re.M)
SUMMARY = re.compile(r"^(?:guest\| )?hostile: (\d+) attacks: (\d+) passed, "
                     r"(\d+) failed$", re.M)
VERDICTS = ("refused, device alive", "needs reset")
# What Plinth logs when it refuses something a driver did.
REFUSAL_MARKS = ("failed:", "stalled", "dropped", "unusable", "not enabled",
                 "cannot be mapped", "not offered", "did not accept",
                 "ignored", "clamped")


def verdict_table(ctx, s, least, what):
    """The attacks' verdict lines from the console `s`: checks them and
    writes the table to the test's directory; returns the rows."""
    rows = LINE.findall(s)
    table = "\n".join("%s %s %-6s %-36s %s" % r for r in rows)
    with open(os.path.join(ctx.work, "verdicts-%s.txt" % what), "w") as f:
        f.write(table + "\n")
    m = SUMMARY.search(s)
    if not m:
        i = s.rfind("hostile: ")
        raise Failure("%s: no summary line; the last the hostile driver "
                      "said: %s" % (what, s[i:i + 300] if i >= 0 else
                                    "nothing"))
    total = int(m.group(1))
    if total != len(rows):
        raise Failure("%s: the summary counts %d attacks, the console shows "
                      "%d verdict lines" % (what, total, len(rows)))
    if total < least:
        raise Failure("%s: %d attacks ran, want at least %d"
                      % (what, total, least))
    bad, known, fixed = [], [], []
    for num, dev, ring, name, verdict in rows:
        key = "%s %s %s" % (dev, ring, name)
        ok = verdict in VERDICTS
        if key in KNOWN_PRODUCT_BUGS:
            (fixed if ok else known).append(key)
        elif not ok:
            bad.append("%s %s: %s" % (num, key, verdict))
    classes = collections.Counter(
        (r[1], r[4] if r[4] in VERDICTS else "FAIL") for r in rows)
    print("%s: %d attacks: %s" % (
        what, total, ", ".join("%s %s %d" % (d, v, n) for (d, v), n in
                               sorted(classes.items()))), flush=True)
    if known:
        print("%s: known product bugs still failing: %s"
              % (what, ", ".join(known)), flush=True)
    if fixed:
        print("%s: these pass now; delete them from KNOWN_PRODUCT_BUGS: %s"
              % (what, ", ".join(fixed)), flush=True)
    if bad:
        raise Failure("%s: %d attacks failed:\n%s" % (what, len(bad),
                                                       "\n".join(bad)))
    return rows


def expect_refusals(s, least):
    """Plinth's own log lines that name what it refused."""
    lines = [l for l in s.splitlines()
             if not l.startswith("guest|") and "virtio" in l
             or "pci: " in l and "cannot be mapped" in l]
    named = [l for l in lines if any(m in l for m in REFUSAL_MARKS)]
    if len(named) < least:
        raise Failure("Plinth's log names %d refusals, want at least %d"
                      % (len(named), least))
    for mark in ("failed:", "stalled", "not enabled", "cannot be mapped"):
        if not any(mark in l for l in named):
            raise Failure("Plinth's log has no refusal with %r" % mark)


def expect_guest_end(s):
    expect(s, "plinth-guest: check finished; powering off",
           "the guest's power-off")
    expect(s, "guest: ended: ACPI S5 (soft off)", "guest power-off")


def hostile_qemu(ctx, mode, least, extra_cfg=""):
    """One boot under QEMU with AMD-V: virtio-blk on AHCI (its sector 0
    random, so that a request that should have been refused and wrote it
    shows), virtio-net on the e1000 and QEMU's user network (which answers
    ARP, so frames arrive for the receive attacks)."""
    scratch = os.path.join(ctx.work, "scratch-%s.img" % mode)
    with open(scratch, "wb") as f:
        f.truncate(64 << 20)
        f.write(random.Random(mode).randbytes(512))
    img = ctx.image_with_config(
        "kernel = /guest/vmlinuz\ninitrd = /guest/initrd.img\n"
        "cmdline = console=ttyS0 plinth.hostile=%s\n"
        "memory = 256M\ndisk = ahci:1\nnic = auto\n%s" % (mode, extra_cfg))
    workdir = os.path.join(ctx.work, mode)
    res = bench.run_qemu(img, workdir, timeout=900, stop_on=FAIL_MARKS,
                         nics=("e1000",), scratch=scratch, svm=True,
                         pcap=True)
    s = res.serial
    with open(os.path.join(ctx.work, "serial-%s.txt" % mode), "w") as f:
        f.write(s)
    no_faults(res)
    expect(s, "svm: on (", "AMD-V in use")
    rows = verdict_table(ctx, s, least, mode)
    expect_guest_end(s)
    expect_clean_qemu_poweroff(res, "on_guest_exit = poweroff")
    check_wire(os.path.join(workdir, "n0.pcap"),
               100 if mode == "full" else 1)
    return s, rows, res.seconds


GUEST_MAC = "02:50:4c:4e:54:01"


def check_wire(path, least):
    """What crossed the wire (QEMU's dump of the NIC's traffic): the
    guest's frames carry its own MAC and fit the MTU, and none of the
    frames the hostile driver marked as ones to refuse went out."""
    frames = pcap.frames(path)
    sent = 0
    for f in frames:
        src = pcap.mac(f[6:12])
        if src == GUEST_MAC:
            sent += 1
            if len(f) > 1500 + 14 + 4:
                raise Failure("a %d-byte frame from the guest reached the "
                              "wire" % len(f))
        elif not src.startswith("52:55:0a:00:02:"):
            # Only the guest and QEMU's user network talk here (the
            # management plane is off).
            raise Failure("a frame from %s reached the wire (forged "
                          "source?)" % src)
        if b"REFUSED!" in f:
            raise Failure("a frame the device should have refused reached "
                          "the wire: %s" % f[:64].hex())
    if sent < least:
        raise Failure("only %d of the guest's frames reached the wire"
                      % sent)


def test_qemu_hostile_virtio_driver(ctx):
    """Every attack of the hostile driver, under QEMU TCG with AMD-V: one
    boot with a writable disk (the full set, over 150 attacks across blk
    and net, packed and split rings, and the transport) and one with
    disk_readonly = yes (writes, discards and write-zeroes on a read-only
    negotiation).  All must pass, Plinth must log its refusals and the
    guest must power off normally."""
    s, rows, _ = hostile_qemu(ctx, "full", 150)
    expect_refusals(s, 20)
    s2, rows2, _ = hostile_qemu(ctx, "ro", 10, "disk_readonly = yes\n")
    expect(s2, "read-only", "read-only disk")
    if not any("ro-" in r[3] for r in rows2):
        raise Failure("no read-only attack ran")


def test_bochs_hostile_virtio_driver_quick(ctx):
    """The quick subset (about 30 attacks, each device and ring in turn)
    under Bochs with VT-x: virtio-blk on a RAM disk, virtio-net on Bochs'
    e1000 with no network behind it."""
    img = ctx.image_with_config(
        "kernel = /guest/vmlinux\ninitrd = /guest/initrd.img\n"
        "cmdline = console=ttyS0 plinth.hostile=quick\n"
        "memory = 256M\ndisk = ram:16M\n",
        [("guest/vmlinux", os.path.join(ctx.guest, "vmlinux"))])
    res = bench.run_bochs(img, ctx.work, timeout=1500, stop_on=FAIL_MARKS)
    no_faults(res)
    s = res.serial
    expect(s, "vmx: on", "VT-x in use")
    verdict_table(ctx, s, 30, "quick")
    expect_refusals(s, 5)
    expect_guest_end(s)
    if res.timed_out:
        raise Failure("Bochs did not stop after the guest powered off")
    if "ACPI control: soft power off" not in bench.bochs_log(ctx.work):
        raise Failure("Bochs' log shows no ACPI soft power-off")


TESTS = [test_qemu_hostile_virtio_driver,
         test_bochs_hostile_virtio_driver_quick]
