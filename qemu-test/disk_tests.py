"""The disk self-test (selftest = disk) on each driver Plinth has for a
real disk: AHCI and NVMe under QEMU TCG, whole disks and GPT partitions,
errors injected with blkdebug.  After QEMU exits each test reads the
image back and finds exactly what the self-test wrote.
"""

import os
import random
import subprocess

import bench
from sysutil import (FAIL_MARKS, Failure, blank_disk, expect, expect_re,
                     no_faults)


def disk_pattern(sector):
    """One sector of the disk self-test's pattern (hv/selftest/selftest.c)."""
    return bytes(((sector * 31 + j) ^ 0x5a) & 0xff for j in range(512))


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def scratch_disk(ctx, sectors):
    """A sparse scratch image of `sectors` with LBA 4096-4159 filled with
    random bytes; returns (path, those bytes)."""
    scratch = os.path.join(ctx.work, "scratch.img")
    prefill = random.Random(4).randbytes(64 * 512)
    with open(scratch, "wb") as f:
        f.truncate(sectors * 512)
        f.seek(4096 * 512)
        f.write(prefill)
    return scratch, prefill


def run_disk_selftest(ctx, disk, prefill, **qemu):
    """Runs selftest = disk on `disk` (QEMU's disks as `qemu` says), checks
    the verdict and the checksum of the region the test pre-filled at LBA
    4096; the serial log."""
    img = ctx.image_with_config(
        "kernel = /guest/vmlinuz\ndisk = %s\nselftest = disk\n"
        "debug_exit = 0xf4\non_fault = poweroff\n" % disk)
    res = bench.run_qemu(img, ctx.work, timeout=180, stop_on=FAIL_MARKS,
                         **qemu)
    no_faults(res)
    s = res.serial
    expect(s, "selftest disk: passed", "self-test verdict")
    expect(s, "powering off: self-tests passed", "power-off")
    if res.status != 0:
        raise Failure("QEMU exit status %r" % res.status)
    m = expect_re(s, r"selftest disk: LBA 4096, 64 sectors read: fnv1a64 "
                  r"([0-9a-f]{16})", "checksum line")
    if int(m.group(1), 16) != fnv1a64(prefill):
        raise Failure("Plinth read the pre-filled region as %s, the image "
                      "holds %016x" % (m.group(1), fnv1a64(prefill)))
    return s


def ahci_selftest(ctx, scratch, prefill, disk="ahci:1", blkdebug=None,
                  model=r"QEMU HARDDISK, 262144 sectors \(128 MiB\)"):
    """selftest = disk on `disk`, the scratch image on AHCI port 1."""
    s = run_disk_selftest(ctx, disk, prefill, scratch=scratch,
                          blkdebug=blkdebug)
    expect_re(s, r"ahci: port 1: %s, serial QM00003, NCQ depth 32$" % model,
              "IDENTIFY")
    return s


def expect_pattern(f, start, lba, count):
    """The pattern of disk LBAs [lba, lba + count) at image LBA start +
    lba."""
    f.seek((start + lba) * 512)
    data = f.read(count * 512)
    for k in range(count):
        if data[k * 512:(k + 1) * 512] != disk_pattern(lba + k):
            raise Failure("sector %d of the image does not hold the "
                          "pattern" % (lba + k))


def test_qemu_ahci_selftest(ctx):
    """selftest = disk with disk = ahci:1 under QEMU TCG (ICH9 AHCI, NCQ):
    Plinth writes patterns at five places (LBA 0 to the last 8 sectors, 1
    to 2048 sectors), 32 requests at once, one request in 384 pieces (more
    than a command's PRDT), discards and zeroes two regions, measures
    sequential throughput; after QEMU exits the test finds exactly those
    bytes in the scratch image (zeros where it discarded), and the checksum
    Plinth printed for a region the test filled beforehand matches."""
    sectors = (128 << 20) // 512
    scratch, prefill = scratch_disk(ctx, sectors)
    s = ahci_selftest(ctx, scratch, prefill)
    expect(s, "ahci: port 1: TRIM, 1 range blocks per command", "TRIM")
    check_disk_selftest(s, scratch, 0, sectors)
    expect_re(s, r"ahci: port 1: cache flushed, disk in standby\n.*powering "
              r"off: self-tests passed", "the disk put to rest first")


def check_disk_selftest(s, image, start, sectors, block=512):
    """The self-test's report, and its regions in the image, for a disk of
    `sectors` that starts at LBA `start` of the image (LBAs of 512 bytes,
    the first region one logical block of `block` bytes)."""
    for line in ("32 requests of 128 sectors at once from LBA 150000: "
                 "written, read back ok",
                 "LBA 170000, 3072 sectors in 384 pieces: written, read back "
                 "ok",
                 "LBA 190000, 256 sectors: written, discarded ok",
                 "LBA 200000, 256 sectors: written, zeroed, read back zeros"):
        expect(s, "selftest disk: " + line, line.split(":")[0])
    for what in ("write", "read"):
        expect_re(s, r"selftest disk: sequential %s of 16 MiB in 1024 KiB "
                  r"requests, 8 in flight: \d+ us, \d+ KiB/s$" % what, what)
    with open(image, "rb") as f:
        for lba, count in ((0, block // 512), (2048, 8), (65536, 256), (131072, 2048),
                           (sectors - 8, 8)):
            expect(s, "selftest disk: LBA %d, %d sectors: written, flushed,"
                   " read back ok" % (lba, count), "region %d" % lba)
            expect_pattern(f, start, lba, count)
        expect_pattern(f, start, 150000, 32 * 128)
        expect_pattern(f, start, 170000, 3072)
        for lba in (190000, 200000):
            f.seek((start + lba) * 512)
            if f.read(256 * 512) != bytes(256 * 512):
                raise Failure("the image holds data at LBA %d, which Plinth"
                              " discarded or zeroed" % lba)


def test_qemu_ahci_error_recovery(ctx):
    """QEMU fails the first read of LBA 65536 with EIO (blkdebug): the
    HBA reports a task-file error, Plinth restarts the port, retries the
    commands that were in flight one at a time, and the self-test still
    passes; the log says what happened."""
    rules = os.path.join(ctx.work, "blkdebug.conf")
    with open(rules, "w") as f:
        f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\n'
                'sector = "65536"\nonce = "on"\n')
    scratch, prefill = scratch_disk(ctx, (128 << 20) // 512)
    s = ahci_selftest(ctx, scratch, prefill, blkdebug=rules)
    expect_re(s, r"ahci: port 1: command failed \(PxIS 0x[0-9a-f]{8}, "
              r"status 0x[0-9a-f]{2}, error 0x[0-9a-f]{2}, PxSERR "
              r"0x[0-9a-f]{8}\); restarting the port$", "error report")
    expect(s, "selftest disk: LBA 65536, 256 sectors: written, flushed, "
           "read back ok", "the region read after the retry")


GPT_DATA_GUID = "5a1e0b3e-9c4f-4a8e-8b1d-3f6c2e7d9a01"


def gpt_scratch(ctx):
    """A 138 MiB scratch disk with a GPT: partition 1 (8 MiB at 1 MiB,
    filled with 0xa5) and partition 2, "plinth-data", 128 MiB at 9 MiB
    with GPT_DATA_GUID; its LBA 4096 holds the pre-filled region.
    Returns (path, prefill, partition 2's first LBA)."""
    scratch = os.path.join(ctx.work, "scratch.img")
    with open(scratch, "wb") as f:
        f.truncate(138 << 20)
    subprocess.run(["sgdisk", "-n", "1:2048:+8M", "-c", "1:other",
                    "-n", "2:18432:+128M", "-c", "2:plinth-data",
                    "-u", "2:" + GPT_DATA_GUID, scratch],
                   check=True, stdout=subprocess.DEVNULL)
    first = 18432
    prefill = random.Random(4).randbytes(64 * 512)
    with open(scratch, "r+b") as f:
        f.seek(2048 * 512)
        f.write(b"\xa5" * (8 << 20))
        f.seek((first + 4096) * 512)
        f.write(prefill)
    return scratch, prefill, first


def gpt_partition_selftest(ctx, disk, nvme=False):
    """The self-test on partition 2 of gpt_scratch (on AHCI port 1, or as
    NVMe namespace 2 beside a blank namespace 1): its patterns at the
    partition's offset, nothing outside it changed.  The serial log."""
    scratch, prefill, first = gpt_scratch(ctx)
    end = (first + 262144) * 512
    with open(scratch, "rb") as f:
        before = f.read(first * 512)
        f.seek(end)
        after = f.read()
    if nvme:
        s = run_disk_selftest(ctx, disk, prefill,
                              nvme=[blank_disk(ctx, 8, "ns1.img"), scratch])
        expect_re(s, r"nvme: [0-9a-f:.]+: GPT partition at LBA %d, 262144 "
                  r"sectors \(128 MiB\)" % first, "partition found")
    else:
        s = ahci_selftest(ctx, scratch, prefill, disk=disk,
                          model=r"QEMU HARDDISK, 282624 sectors \(138 MiB\)")
        expect(s, "ahci: port 1: GPT partition at LBA %d, 262144 sectors "
               "(128 MiB)" % first, "partition found")
    check_disk_selftest(s, scratch, first, 262144)
    with open(scratch, "rb") as f:
        same_before = f.read(first * 512) == before
        f.seek(end)
        if not same_before or f.read() != after:
            raise Failure("the self-test on partition 2 wrote outside it "
                          "(the GPTs or partition 1 changed)")
    return s


def refused_disk(ctx, disk, reason, **qemu):
    """selftest = disk on a `disk` Plinth cannot open: the self-test fails
    with `reason`, and Plinth powers off with the self-test's status."""
    img = ctx.image_with_config(
        "kernel = /guest/vmlinuz\ndisk = %s\nselftest = disk\n"
        "debug_exit = 0xf4\non_fault = poweroff\n" % disk)
    res = bench.run_qemu(img, ctx.work, timeout=60, stop_on=FAIL_MARKS,
                         **qemu)
    no_faults(res)
    expect(res.serial, "selftest disk: FAILED: " + reason, "the reason")
    if res.status != 0x25:  # DEBUG_EXIT_SELFTEST (0x12) * 2 + 1
        raise Failure("QEMU exit status %r, want 37" % res.status)


def test_qemu_ahci_partition_by_number(ctx):
    """disk = ahci:1:p2: the self-test runs on GPT partition 2 alone; its
    patterns land at the partition's offset in the image, and the GPT and
    partition 1 in front of it are untouched."""
    gpt_partition_selftest(ctx, "ahci:1:p2")


def test_qemu_ahci_partition_by_label_and_guid(ctx):
    """The same partition found by its GPT name and by its unique GUID;
    a partition that does not exist fails with the reason."""
    gpt_partition_selftest(ctx, "ahci:1:label=plinth-data")
    gpt_partition_selftest(ctx, "ahci:1:guid=" + GPT_DATA_GUID.upper())
    scratch, _, _ = gpt_scratch(ctx)
    refused_disk(ctx, "ahci:1:p3",
                 "AHCI port 1: no GPT partition 3 (2 in use)",
                 scratch=scratch)


NVME_ID = (r"nvme: ([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): QEMU NVMe Ctrl, "
           r"namespace %d: %d sectors \(%d MiB\), 512-byte blocks, serial "
           r"plinth-nvme$")


def test_qemu_nvme_selftest(ctx):
    """selftest = disk with disk = nvme:1 under QEMU TCG (QEMU's NVMe
    controller, one namespace): the same patterns, 32 requests at once,
    one request in 384 pieces, deallocate and write zeroes, throughput,
    and the same bytes found in the image afterwards; the data moved by
    PRPs straight from the buffers (nothing copied)."""
    sectors = (128 << 20) // 512
    scratch, prefill = scratch_disk(ctx, sectors)
    s = run_disk_selftest(ctx, "nvme:1", prefill, nvme=[scratch])
    expect_re(s, NVME_ID % (1, sectors, 128), "Identify")
    expect_re(s, r"nvme: [0-9a-f:.]+: \d+ commands at once, \d+ KiB per "
              r"command, volatile write cache, deallocate, write zeroes$",
              "what the controller offers")
    check_disk_selftest(s, scratch, 0, sectors)
    expect_re(s, r"selftest disk: \d+ bytes read and written, 0 of them "
              r"copied by the nvme backend", "zero copy")
    expect_re(s, r"nvme: [0-9a-f:.]+: shut down\n.*powering off: self-tests "
              r"passed", "the controller shut down before the power-off")


def test_qemu_nvme_namespace_and_partitions(ctx):
    """disk = nvme:2:p2, then the same partition of namespace 2 on the
    controller named by its PCI address, by label and by GUID: the self-
    test runs on that partition alone.  A namespace the controller does
    not have and a partition the disk does not have fail with the
    reason."""
    s = gpt_partition_selftest(ctx, "nvme:2:p2", nvme=True)
    addr = expect_re(s, NVME_ID % (2, 282624, 138), "namespace 2").group(1)
    gpt_partition_selftest(ctx, "nvme:%s/2:label=plinth-data" % addr,
                           nvme=True)
    gpt_partition_selftest(ctx, "nvme:%s/2:guid=%s" % (addr, GPT_DATA_GUID),
                           nvme=True)
    scratch, _, _ = gpt_scratch(ctx)
    images = [blank_disk(ctx, 8, "ns1.img"), scratch]
    refused_disk(ctx, "nvme:2:p3", "NVMe %s namespace 2: no GPT partition 3"
                 " (2 in use)" % addr, nvme=images)
    refused_disk(ctx, "nvme:3", "NVMe %s namespace 3: not an active "
                 "namespace" % addr, nvme=images)


def test_qemu_nvme_error_recovery(ctx):
    """QEMU fails the first I/O at LBA 65536 with EIO (blkdebug): the
    controller completes the command with an error status, Plinth logs
    it and issues the command again, and the self-test passes."""
    rules = os.path.join(ctx.work, "blkdebug.conf")
    with open(rules, "w") as f:
        f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\n'
                'sector = "65536"\nonce = "on"\n')
    scratch, prefill = scratch_disk(ctx, (128 << 20) // 512)
    s = run_disk_selftest(ctx, "nvme:1", prefill,
                          nvme=["blkdebug:%s:%s" % (rules, scratch)])
    expect_re(s, r"nvme: [0-9a-f:.]+: command 0x0[12] at LBA 65536: status "
              r"type \d code 0x[0-9a-f]{2}; retrying it$", "error report")
    expect(s, "selftest disk: LBA 65536, 256 sectors: written, flushed, "
           "read back ok", "the region read after the retry")


def test_qemu_nvme_4k_blocks_and_metadata(ctx):
    """A namespace of 4 KiB logical blocks: the self-test's regions are
    whole blocks and land where they should; a namespace whose blocks
    carry metadata, which Plinth does not drive, is refused with the
    reason."""
    sectors = (128 << 20) // 512
    scratch, prefill = scratch_disk(ctx, sectors)
    four_k = "logical_block_size=4096,physical_block_size=4096"
    s = run_disk_selftest(ctx, "nvme:1", prefill, nvme=[(scratch, four_k)])
    expect_re(s, r"nvme: [0-9a-f:.]+: QEMU NVMe Ctrl, namespace 1: %d "
              r"sectors \(128 MiB\), 4096-byte blocks" % sectors, "4K")
    check_disk_selftest(s, scratch, 0, sectors, block=4096)
    refused_disk(ctx, "nvme:2", "NVMe 00:01.0 namespace 2: LBA format 1 "
                 "(512-byte blocks, 8 bytes of metadata) is not one Plinth "
                 "drives (512 to 4096, no metadata)",
                 nvme=[(scratch, four_k),
                       (blank_disk(ctx, 8, "meta.img"), "ms=8")])


TESTS = [
    test_qemu_ahci_selftest,
    test_qemu_ahci_error_recovery,
    test_qemu_ahci_partition_by_number,
    test_qemu_ahci_partition_by_label_and_guid,
    test_qemu_nvme_selftest,
    test_qemu_nvme_namespace_and_partitions,
    test_qemu_nvme_error_recovery,
    test_qemu_nvme_4k_blocks_and_metadata,
]
