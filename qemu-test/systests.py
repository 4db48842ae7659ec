"""Whole-system tests: plinth.efi booted by OVMF under QEMU and Bochs.

Each test is a function taking a Ctx and raising Failure with what a user
would have seen go wrong.  tests/runner.py finds them through TESTS, which
also gathers those of distro_tests.py, mgmt_tests.py and fuzz_tests.py;
the helpers they share are in sysutil.py and mgmt_client.py.
"""

import hashlib
import json
import os
import random
import re
import subprocess
import threading
import time

import bench
import disk_tests
import distro_tests
import fuzz_tests
import hostile_tests
import iocore_tests
import mgmt_client
import mgmt_tests
import screen_tests
import pcap
# Ctx is also what tests/runner.py runs each test with.
from sysutil import (FAIL_MARKS, NO_VIRT, Ctx, Failure, TcpPeer,  # noqa: F401
                     blank_disk, check_config, check_io_core, expect,
                     expect_banner,
                     expect_clean_qemu_poweroff,
                     expect_re, no_faults)


# ---------------------------------------------------------------------------
def qemu_boot(ctx, mem_mib):
    scratch = blank_disk(ctx, 64)
    res = bench.run_qemu(ctx.image, ctx.work, timeout=90, mem="%dM" % mem_mib,
                         scratch=scratch, stop_on=FAIL_MARKS)
    no_faults(res)
    expect_banner(res)
    m = expect_re(res.serial, r"memory: (\d+) MiB RAM", "memory total")
    ram = int(m.group(1))
    # OVMF keeps the legacy VGA/BIOS hole (640 KiB-1 MiB) out of the map.
    if not mem_mib - 2 <= ram <= mem_mib:
        raise Failure("memory total %d MiB does not match -m %d" % (ram,
                                                                    mem_mib))
    expect_re(res.serial, r"pci: 00:1f\.2 8086:2922 SATA controller \(AHCI\)$",
              "AHCI controller")
    expect_re(res.serial, r"pci: [0-9a-f:.]+ 8086:100e Ethernet controller$",
              "e1000 (82540EM)")
    expect_re(res.serial, r"pci: [0-9a-f:.]+ 8086:10d3 Ethernet controller$",
              "e1000e (82574L)")
    expect(res.serial, "pci: ECAM at 0xb0000000", "ECAM from MCFG")
    expect_re(res.serial, r"^newlib: printf reached the console through "
              r"write\(\); malloc got 64 KiB, heap \d+ KiB in use",
              "newlib hooks")
    expect_re(res.serial, r"acpi: RSDP .* tables: .*MCFG", "ACPI tables")
    # A CPU without VT-x or AMD-V (TCG's, AMD-V taken away): the demo
    # image says so and powers off (its on_fault = poweroff).
    expect(res.serial, NO_VIRT, "no virtualization message")
    expect_clean_qemu_poweroff(res, "the guest cannot run here")
    return res


def test_qemu_boot_1g(ctx):
    """1 GiB, all RAM below 4 GiB.  The banner names the revision the
    image was built from (git describe of this tree, -dirty and all)."""
    res = qemu_boot(ctx, 1024)
    expect(res.serial, "paging: identity map below 4 GiB", "identity map")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rev = subprocess.run(["git", "describe", "--always", "--dirty"],
                         cwd=root, stdout=subprocess.PIPE, text=True,
                         check=True).stdout.strip()
    expect_re(res.serial, r"\] Plinth \d+\.\d+\.\d+ \(git %s\): hypervisor "
              r"core running$" % re.escape(rev), "the revision built")


def test_qemu_boot_3g(ctx):
    """3 GiB: q35 puts 1 GiB above 4 GiB, which must be identity-mapped."""
    res = qemu_boot(ctx, 3072)
    expect(res.serial, "paging: identity map below 5 GiB", "identity map")


def test_qemu_usb_stick_boots_the_demo_image(ctx):
    """build/plinth.img, the file the README tells people to dd to a USB
    stick, attached as one (usb-storage on an xHCI controller, the only
    disk): OVMF boots Plinth from it, Plinth reads its configuration, the
    kernel and the initrd from the stick before ExitBootServices, and the
    demo guest runs to its shell."""
    res = bench.run_qemu(ctx.image, ctx.work, timeout=300, svm=True,
                         usb=True, nics=(),
                         stop_on=FAIL_MARKS + ("plinth-guest: check finished",))
    no_faults(res)
    s = res.serial
    expect(s, 'BdsDxe: starting Boot0001 "UEFI QEMU QEMU USB HARDDRIVE',
           "OVMF booting the stick")
    expect_banner(res)
    expect(s, "svm: on (", "AMD-V in use")
    expect(s, "guest: ELF kernel loaded", "the kernel from the stick")
    expect(s, "plinth-guest: check finished; a shell on the console",
           "the demo guest's checks")


def test_qemu_reboot_action(ctx):
    """on_fault = reboot resets the machine through the firmware (here the
    fault is a CPU without virtualization; with -no-reboot QEMU exits at the reset
    instead of booting again)."""
    img = ctx.image_with_config("kernel = /guest/vmlinuz\n"
                                "on_fault = reboot\n")
    res = bench.run_qemu(img, ctx.work, timeout=60, stop_on=FAIL_MARKS)
    no_faults(res)
    expect(res.serial, "rebooting: the guest cannot run here", "reboot line")
    if res.timed_out or res.status != 0:
        raise Failure("QEMU did not reset (%r)" % res)
    if res.serial.count("hypervisor core running") != 1:
        raise Failure("the machine booted Plinth again instead of resetting "
                      "into QEMU's -no-reboot exit")


def bad_config(ctx, cfg, error, extra=()):
    """Plinth refuses the configuration with `error` and hands the
    machine back to the firmware; plinth-check-config, run on the same
    stick's files, refuses it with the very same line."""
    img = ctx.image_with_config(cfg, extra)
    rc, out = check_config(ctx, img)
    if rc != 1 or "plinth: ERROR: %s\n" % error not in out:
        raise Failure("plinth-check-config (exit %d) did not say what Plinth "
                      "says: %r" % (rc, out[-400:]))
    # After our message the firmware's boot manager must carry on.
    res = bench.run_qemu(img, ctx.work, timeout=60,
                         stop_on=("BdsDxe: failed to start Boot0001",))
    no_faults(res)
    expect(res.serial, "plinth: ERROR: " + error, "error message")
    expect(res.serial, "plinth: returning to the firmware", "return")
    if "hypervisor core running" in res.serial:
        raise Failure("the hypervisor started despite the error")
    if res.stopped_on is None:
        raise Failure("the firmware did not regain control (%r)" % res)


def qemu_net_selftest(ctx, model):
    """selftest = net with only one NIC, `model`, on QEMU's user network:
    Plinth's driver brings the NIC up, lwIP gets a DHCP lease on the NIC's
    own MAC and pings the router, then sends a burst of full-size frames;
    the pcap QEMU dumped on that netdev shows the whole DHCP exchange, the
    echo requests answered and every frame of the burst."""
    img = ctx.image_with_config(
        "kernel = /guest/vmlinuz\nselftest = net\n"
        "debug_exit = 0xf4\non_fault = poweroff\n")
    res = bench.run_qemu(img, ctx.work, timeout=120, stop_on=FAIL_MARKS,
                         nics=(model,), pcap=True)
    no_faults(res)
    s = res.serial
    name = {"e1000": r"82540EM \(8086:100e\)",
            "e1000e": r"82574L \(8086:10d3\)"}[model]
    m = expect_re(s, r"e1000: [0-9a-f:.]+: %s, MAC ((?:[0-9a-f]{2}:){5}"
                  r"[0-9a-f]{2}), 256 receive and 256 transmit descriptors$"
                  % name, "NIC found")
    nic_mac = m.group(1)
    expect_re(s, r"e1000: [0-9a-f:.]+: link up, 1000 Mb/s, full duplex$",
              "link up")
    expect_re(s, r"selftest net: DHCP lease 10\.0\.2\.15/24, router "
              r"10\.0\.2\.2, after \d+ ms$", "DHCP lease")
    for seq in range(1, 5):
        expect_re(s, r"selftest net: echo reply %d from 10\.0\.2\.2 in "
                  r"\d+ us$" % seq, "echo reply %d" % seq)
    expect_re(s, r"selftest net: burst of 2000 frames of 1514 bytes in \d+ "
              r"us: \d+ frames/s", "frame burst")
    expect(s, "selftest net: passed", "verdict")
    expect(s, "powering off: self-tests passed", "power-off")
    if res.status != 0:
        raise Failure("QEMU exit status %r" % res.status)
    seen = [pcap.decode(f) for f in pcap.frames(os.path.join(ctx.work,
                                                             "n0.pcap"))]
    # The server answers a client without an address by broadcast: its
    # messages are told apart by the client hardware address.
    dhcp = [d["dhcp"] for d in seen if d.get("chaddr") == nic_mac]
    mine = [d for d in seen if nic_mac in (d["src"], d["dst"])]
    for want in ("DISCOVER", "OFFER", "REQUEST", "ACK"):
        if want not in dhcp:
            raise Failure("the capture shows no DHCP %s for %s (saw %s)"
                          % (want, nic_mac, dhcp))
    if dhcp.index("DISCOVER") > dhcp.index("ACK"):
        raise Failure("DHCP out of order in the capture: %s" % dhcp)
    acks = [d for d in seen if d.get("dhcp") == "ACK"
            and d["chaddr"] == nic_mac]
    if acks[0]["yiaddr"] != "10.0.2.15":
        raise Failure("the DHCP ACK gave %s" % acks[0]["yiaddr"])
    requests = [d for d in mine if d.get("icmp") == 8 and d["src"] == nic_mac
                and d["ip_src"] == "10.0.2.15" and d["ip_dst"] == "10.0.2.2"]
    replies = [d for d in mine if d.get("icmp") == 0 and d["dst"] == nic_mac
               and d["ip_dst"] == "10.0.2.15"]
    burst = [d for d in mine if d["src"] == nic_mac
             and d.get("ip_dst") == "10.0.2.2" and d.get("dport") == 9]
    if len(burst) != 2000:
        raise Failure("the capture shows %d of the burst's 2000 frames"
                      % len(burst))
    if len(requests) != 4 or len(replies) != 4:
        raise Failure("the capture shows %d echo requests and %d replies, "
                      "want 4 and 4" % (len(requests), len(replies)))


def test_qemu_net_selftest_e1000(ctx):
    qemu_net_selftest(ctx, "e1000")


def test_qemu_net_selftest_e1000e(ctx):
    qemu_net_selftest(ctx, "e1000e")


def test_qemu_bad_config_unknown_key(ctx):
    bad_config(ctx, "# demo\nkernel = /guest/vmlinuz\nkernal = /guest/x\n",
               "/EFI/BOOT/plinth.cfg:3: unknown key 'kernal'")


def test_qemu_bad_config_missing_kernel(ctx):
    bad_config(ctx, "kernel = /guest/nope\ninitrd = /guest/initrd.img\n",
               "kernel /guest/nope: cannot open: Not Found")


def test_qemu_bad_config_missing_disk(ctx):
    bad_config(ctx, "kernel = /guest/vmlinuz\ndisk = ram:/guest/disk.img\n",
               "disk /guest/disk.img: cannot open: Not Found")


def test_qemu_bad_config_disk_not_whole_sectors(ctx):
    bad_config(ctx, "kernel = /guest/vmlinuz\ndisk = ram:/guest/disk.img\n",
               "disk /guest/disk.img: 1000 bytes is not a whole number of "
               "512-byte sectors", extra=[("guest/disk.img", bytes(1000))])


def test_qemu_bad_config_guest_too_big(ctx):
    """Each file fits 32 MiB of guest memory, but not both together."""
    kernel_kib = os.path.getsize(os.path.join(ctx.guest, "vmlinuz")) >> 10
    bad_config(ctx, "kernel = /guest/vmlinuz\ninitrd = /guest/big\n"
               "memory = 32M\n",
               "kernel (%d KiB) and initrd (30720 KiB) do not fit in guest "
               "memory (memory = 32 MiB)" % kernel_kib,
               extra=[("guest/big", bytes(30 << 20))])


def test_check_config_accepts_the_demo_image(ctx):
    """plinth-check-config on the demo image's ESP: the configuration, the
    kernel and the initrd, loaded as the machine would load them, pass;
    its lines are the boot console's."""
    rc, out = check_config(ctx, ctx.image)
    if rc:
        raise Failure("exit %d: %s" % (rc, out))
    for line in ("plinth: config /EFI/BOOT/plinth.cfg read\n",
                 "plinth: kernel /guest/vmlinux: ",
                 "plinth: initrd /guest/initrd.img: ",
                 "plinth: disk: blank RAM disk, 16 MiB\n",
                 "plinth: guest: ELF kernel loaded, entry 0x",
                 "the guest would start from these files"):
        expect(out, line, "plinth-check-config")


def test_check_config_refuses_a_kernel_the_loader_refuses(ctx):
    """A file that is no kernel (the initrd named as one): refused with the
    loader's own words, which the machine would print after
    ExitBootServices."""
    img = ctx.image_with_config("kernel = /guest/initrd.img\n")
    rc, out = check_config(ctx, img)
    expect(out, "plinth: ERROR: guest: kernel: found gzip data, not a "
           "bzImage or an ELF vmlinux", "the loader's refusal")
    if rc != 1:
        raise Failure("exit %d" % rc)


def test_qemu_operator_appliance_image(ctx):
    """make image CONFIG=... KERNEL=... INITRD=...: an operator's own
    plinth.cfg naming its kernel at /boot/vmlinuz and its initrd beside
    plinth.efi; the image is built (after the check) with each file where
    the configuration says, and boots: the guest runs and powers off."""
    cfg = os.path.join(ctx.work, "my.cfg")
    out = os.path.join(ctx.work, "appliance.img")
    os.makedirs(ctx.work, exist_ok=True)
    with open(cfg, "w") as f:
        f.write("kernel = /boot/vmlinuz\ninitrd = initrd.img\n"
                "cmdline = console=ttyS0\nmemory = 128M\n")
    r = subprocess.run(["make", "-s", "image", "CONFIG=" + cfg,
                        "KERNEL=" + os.path.join(ctx.guest, "vmlinuz"),
                        "INITRD=" + os.path.join(ctx.guest, "initrd.img"),
                        "OUT=" + out], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        raise Failure("make image CONFIG=...: %s" % r.stdout[-600:])
    expect(r.stdout, "plinth: initrd /EFI/BOOT/initrd.img: ", "the check")
    res = bench.run_qemu(out, ctx.work, timeout=300, svm=True, nics=(),
                         stop_on=FAIL_MARKS + ("powering off: ",))
    no_faults(res)
    s = res.serial
    expect(s, "plinth: kernel /boot/vmlinuz: ", "the kernel where it was put")
    expect(s, "plinth-guest: check finished; powering off", "the guest")
    expect(s, "guest: ended: ACPI S5 (soft off)", "the guest's power-off")
    # Without the initrd its plinth.cfg names, no image is written.
    os.unlink(out)
    r = subprocess.run(["make", "-s", "image", "CONFIG=" + cfg,
                        "KERNEL=" + os.path.join(ctx.guest, "vmlinuz"),
                        "OUT=" + out], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode == 0 or os.path.exists(out):
        raise Failure("an image was built without its initrd")
    expect(r.stdout, "plinth: ERROR: initrd /EFI/BOOT/initrd.img: cannot "
           "open: Not Found", "the check's refusal")


def test_qemu_stack_overflow_is_reported(ctx):
    """selftest = fault overflows the hypervisor stack: the guard page must
    turn that into a full report and the on_fault action."""
    img = ctx.image_with_config(
        "kernel = /guest/vmlinuz\nselftest = fault\non_fault = poweroff\n"
        "debug_exit = 0xf4\n")
    res = bench.run_qemu(img, ctx.work, timeout=60)
    s = res.serial
    expect(s, "FATAL: host exception #PF page fault (vector 14)", "vector")
    expect_re(s, r"page fault at 0x[0-9a-f]+: page not present, write",
              "fault address")
    expect(s, "stack overflow: the guard page below the hypervisor stack "
           "was hit", "guard page named")
    for reg in ("RIP", "RSP", "RAX", "R15", "CR2", "CR3", "RFLAGS"):
        expect_re(s, r"\b%s +0x[0-9a-f]+" % reg, "register " + reg)
    expect(s, "stack trace (addr2line -e build/plinth.so OFFSET):", "trace")
    frames = re.findall(r"#\d\d 0x[0-9a-f]+ \(plinth\.so\+0x[0-9a-f]+\)", s)
    if len(frames) < 2:
        raise Failure("stack trace has %d frames inside plinth.so, want "
                      ">= 2" % len(frames))
    # The recursion shows as one frame and a repeat count.
    expect_re(s, r"\.\.\. the frame above \d+ more times", "recursion")
    expect(s, "failure: host exception; on_fault = poweroff", "action")
    # isa-debug-exit: status = DEBUG_EXIT_FAULT (0x10) * 2 + 1
    if res.status != 0x21:
        raise Failure("QEMU exit status %r, want 33 (debug-exit fault code)"
                      % res.status)


def check_console_marked(res):
    """The guest's console on Plinth's is marked as the guest's: its lines
    start with the mark, so a line dressed as one of Plinth's stays the
    guest's, and no control character of the guest's reaches the
    operator's terminal (the check script prints an escape sequence and a
    bell, shown as ^[ and ^G)."""
    m = res.marked
    expect(m, bench.GUEST_MARK + "plinth-check: console: ^[[31mred^[[0m^G\n",
           "the guest's escape sequences shown, not sent")
    expect(m, bench.GUEST_MARK + "[    0.000001] plinth: a line the guest "
           "forged\n", "the guest's forged line marked")
    expect(m, "\n" + bench.GUEST_MARK + "plinth-guest: booted Linux",
           "guest lines marked")
    # From the guest's start on (the firmware before it draws with
    # escape sequences of its own).
    m = m[m.index(" kernel loaded"):]
    for c in set(m) - {"\n", "\t"}:
        if ord(c) < 0x20 or ord(c) == 0x7f:
            i = m.index(c)
            raise Failure("a control character (0x%02x) reached the console:"
                          " %r" % (ord(c), m[max(0, i - 80):i + 80]))


def check_guest_basics(s, mem_mib=None, under_plinth=True):
    """What the demo guest's check script reports on any working machine:
    a CPU model, a date from the RTC, and a `sleep 1` that ended (and
    cannot have been shorter than a second of uptime).  Under Plinth the
    guest's clock is the TSC (through kvm-clock's frequency: no
    calibration against the PIT or the PM timer)."""
    expect_re(s, r"^plinth-check: cpu-model: \S.*$", "CPU model")
    if under_plinth:
        expect(s, "plinth-check: clocksource: tsc\n", "clocksource tsc")
        # Linux then trusts it without a watchdog that a busy host can
        # fool into marking it unstable (msr.c).
        expect(s, "plinth-check: tsc: constant_tsc nonstop_tsc tsc_adjust "
               "tsc_known_freq \n", "an invariant TSC with TSC_ADJUST")
        check_clock_ports(s)
        # A clean boot log, and every port and MSR a stock kernel probes
        # is one Plinth knows.
        for bad in ("unchecked MSR access", "Call Trace", "WARNING:",
                    "] BUG: ", "Oops:"):
            if bad in s:
                i = s.index(bad)
                raise Failure("the guest's log shows %r: %s"
                              % (bad, s[i:i + 300]))
        for noise in ("which Plinth does not emulate", ": no device"):
            if noise in s:
                i = s.index(noise)
                raise Failure("Plinth logged an access it does not know: "
                              + s[s.rindex("\n", 0, i) + 1:i + len(noise)])
        for bad in ("Refined TSC clocksource calibration",
                    "Marking TSC unstable"):
            if bad in s:
                raise Failure("the guest calibrated its TSC: %r" % bad)
    expect_re(s, r"^plinth-check: date: 20[2-9]\d-\d\d-\d\d ", "RTC date")
    m = expect_re(s, r"^plinth-check: sleep: (\d+\.\d+) s$", "sleep 1")
    if float(m.group(1)) < 0.9:
        raise Failure("sleep 1 took %s s of uptime" % m.group(1))
    if mem_mib:
        m = expect_re(s, r"^plinth-check: memory: (\d+) kB$", "MemTotal")
        kb = int(m.group(1))
        # The kernel keeps its own image and tables out of MemTotal.
        if not mem_mib * 1024 * 0.6 <= kb <= mem_mib * 1024:
            raise Failure("MemTotal %d kB for %d MiB of guest memory"
                          % (kb, mem_mib))
    expect(s, "plinth-guest: check finished; powering off", "guest end")


def test_demo_guest_reference_boot(ctx):
    """The demo guest, booted by QEMU itself with modern packed-ring
    virtio-blk and virtio-net: its drivers load, /check.sh sees both
    devices, the disk exercise passes and the guest exchanges TCP data
    with a server on the host.  This is the reference the
    Plinth-hosted guest must match."""
    disk = os.path.join(ctx.work, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    modern = "disable-legacy=on,disable-modern=off,packed=on"
    peer = TcpPeer()
    res = bench.run_qemu_kernel(
        os.path.join(ctx.guest, "vmlinuz"),
        os.path.join(ctx.guest, "initrd.img"), ctx.work,
        append="console=ttyS0 quiet plinth.disktest=1 " + peer.cmdline(),
        devices=[("-drive", "if=none,id=d0,format=raw,file=" + disk),
                 ("-device", "virtio-blk-pci,drive=d0," + modern),
                 ("-netdev", "user,id=n0"),
                 ("-device", "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:57,"
                  + modern)],
        timeout=180)
    s = res.serial
    with open(os.path.join(ctx.guest, "VERSION")) as f:
        kver = f.read().split()[2]
    expect(s, "plinth-guest: booted Linux " + kver, "guest banner")
    if "insmod" in s and "failed" in s:
        raise Failure("a virtio module did not load: " + s[s.index("insmod"):][:200])
    expect(s, "plinth-check: virtio-devices: 2", "virtio devices")
    expect_re(s, r"plinth-check: block: vda 32768 sectors$", "virtio-blk disk")
    expect_re(s, r"plinth-check: net: \S+ 52:54:00:12:34:57$", "virtio-net")
    # Feature bit 34 is VIRTIO_F_RING_PACKED (virtio 1.2, 6): Linux shows
    # the negotiated features as a string of bits, lowest first.
    packed_features(s, "0x0002")
    packed_features(s, "0x0001")
    check_disk_test(s)
    peer.check(s)
    check_guest_basics(s, under_plinth=False)
    if res.status != 0:
        raise Failure("QEMU exit status %r after the guest's power-off"
                      % res.status)


def check_cx16(s):
    """CMPXCHG16B's erratum (arch/x86/cx16_check.h): the bench guest runs
    it with a VM exit right after, then checks RFLAGS.  Where that damaged
    RFLAGS (QEMU's TCG before 8.0), Plinth must have found the erratum at
    boot and kept CMPXCHG16B out of the guest's CPUID, so that no kernel
    uses it; where it did not, the guest keeps the instruction."""
    erratum = "cpu: CMPXCHG16B changes RFLAGS bits it must not touch" in s
    damaged = "bench: CMPXCHG16B and a VM exit damaged RFLAGS" in s
    if not damaged:
        expect(s, "bench: CMPXCHG16B and a VM exit kept RFLAGS", "CX16 check")
    if damaged and not erratum:
        raise Failure("CMPXCHG16B damaged the guest's RFLAGS, but Plinth "
                      "did not find the erratum at boot")
    expect(s, "bench: CPUID %s CMPXCHG16B" % ("does not offer" if erratum
                                              else "offers"),
           "CPUID's CMPXCHG16B bit follows the erratum check")


def check_bench_guest(s):
    """What the flat bench guest reports under either backend."""
    for name in ("cpuid", "pio", "mmio"):
        expect_re(s, r"^bench: %s exit round trip: \d+ ticks$" % name, name)
    expect(s, "bench: single-step #DB reached the guest with DR6.BS",
           "#DB handed back to the guest")
    expect(s, "bench: CPUID offers neither VMX nor SVM", "CPUID")
    expect(s, "bench: CPUID's OSXSAVE follows CR4.OSXSAVE", "OSXSAVE")
    expect(s, "bench: CPUID reads alike in and out of a MOV SS shadow",
           "CPUID answered alike with and without the exit fast path")
    check_cx16(s)
    expect(s, "bench: MMIO follows an instruction rewritten in place",
           "the MMIO decode cache and walk memo follow the guest's code")
    expect(s, "bench: MMIO to and from RSP reached RSP",
           "MMIO with RSP as the register")
    expect(s, "guest: ended: ACPI S5 (soft off)", "guest power-off")
    expect_re(s, r"exits: CPUID +\d+ +\d+$", "exit statistics")
    expect(s, "powering off: on_guest_exit = poweroff", "power-off")


def test_qemu_svm_bench_guest(ctx):
    """The flat bench guest on QEMU's AMD-V: its CPUID, port-I/O and MMIO
    exits, a single-step #DB that Plinth intercepts and hands back, CPUID
    without VMX or SVM, and a clean power-off."""
    img = ctx.image_with_config(
        "kernel = /guest/bench.bin\nkernel_format = flat\nmemory = 64M\n"
        "on_guest_exit = poweroff\n",
        extra=[("guest/bench.bin", os.path.join(ctx.guest, "bench.bin"))])
    res = bench.run_qemu(img, ctx.work, timeout=120, stop_on=FAIL_MARKS,
                         svm=True)
    no_faults(res)
    s = res.serial
    expect_re(s, r"svm: available: nested paging yes, NRIP save (yes|no), "
              r"AVIC (yes|no) \(not used\)", "AMD-V features")
    expect(s, "svm: on (", "AMD-V in use")
    check_bench_guest(s)
    expect_clean_qemu_poweroff(res, "on_guest_exit = poweroff")


def test_bochs_vtx_bench_guest(ctx):
    """The VT-x bench: Bochs' Haswell model reports VT-x with EPT and
    unrestricted guest; Plinth enters the flat bench guest under VMX, the
    guest's exits (CPUID, port I/O, ACPI S5) are handled, and the machine
    powers off cleanly."""
    img = ctx.image_with_config(
        "kernel = /guest/bench.bin\nkernel_format = flat\nmemory = 64M\n"
        "on_guest_exit = poweroff\n",
        extra=[("guest/bench.bin", os.path.join(ctx.guest, "bench.bin"))])
    res = bench.run_bochs(img, ctx.work, timeout=300, stop_on=FAIL_MARKS)
    no_faults(res)
    s = res.serial
    expect_banner(res)
    expect(s, "vmx: available: EPT yes, unrestricted guest yes, VPID yes",
           "VT-x features")
    expect(s, "vmx: EPT: 4-level walk yes, write-back yes", "EPT")
    # What Bochs' Haswell model offers of APIC virtualization.
    expect(s, "vmx: APIC virtualization (not used): register "
           "virtualization yes, virtual-interrupt delivery yes, posted "
           "interrupts no", "APIC virtualization")
    expect(s, "vmx: IA32_FEATURE_CONTROL unlocked", "feature control")
    expect(s, "acpi: no tables", "no ACPI under Bochs")
    expect(s, "pci: configuration through ports CF8/CFC", "CF8 fallback")
    expect_re(s, r"pci: [0-9a-f:.]+ 8086:100e Ethernet controller$",
              "Bochs e1000")
    expect(s, "vmx: on", "VMXON")
    expect(s, "guest: flat kernel loaded, entry 0x100000 in 64-bit mode",
           "flat load")
    expect(s, "bench: guest running", "guest output through the UART")
    check_bench_guest(s)
    # The bench's 2000 CPUIDs of leaf 0 go through the world switch's fast
    # path, all but those that meet the slice's end.
    m = re.search(r"exits: (\d+) of the CPUID exits answered in the "
                  r"world switch", s)
    if not m or int(m.group(1)) < 1900:
        raise Failure("the CPUID loop did not take the exit fast path (%s)"
                      % (m.group(0) if m else "no such line"))
    if res.timed_out:
        raise Failure("Bochs did not stop after the power-off line")
    # OVMF's ResetSystem(Shutdown) writes S5 to the PIIX4 PM control port.
    if "ACPI control: soft power off" not in bench.bochs_log(ctx.work):
        raise Failure("Bochs' log shows no ACPI soft power-off")


def guest_restart(ctx, run):
    """on_guest_exit = restart: each time the guest powers off, Plinth
    builds it afresh (memory, devices, vCPU) and runs it again, without
    using up its pool.  `run(image, stop_on)` is the emulator."""
    img = ctx.image_with_config(
        "kernel = /guest/bench.bin\nkernel_format = flat\nmemory = 64M\n"
        "on_guest_exit = restart\n",
        extra=[("guest/bench.bin", os.path.join(ctx.guest, "bench.bin"))])
    res = run(img, FAIL_MARKS + (("bench: done", 4),))
    no_faults(res)
    s = res.serial
    if res.stopped_on != ("bench: done", 4):
        raise Failure("the guest did not run four times (%r)" % res)
    if s.count("guest: ended: ACPI S5 (soft off)") < 3:
        raise Failure("fewer than three guest power-offs before the "
                      "fourth run")
    if s.count("guest: starting") < 4:
        raise Failure("Plinth did not start the guest four times")
    if "powering off:" in s or "failure:" in s:
        raise Failure("the machine stopped instead of restarting the guest")
    if s.count("bench: single-step #DB reached the guest with DR6.BS") < 4:
        raise Failure("a restarted guest did not get its #DB back")


def test_bochs_guest_restart(ctx):
    guest_restart(ctx, lambda img, stop: bench.run_bochs(
        img, ctx.work, timeout=300, stop_on=stop))


def test_qemu_svm_guest_restart(ctx):
    """The same on AMD-V: a fresh VMCB and nested page tables each time."""
    guest_restart(ctx, lambda img, stop: bench.run_qemu(
        img, ctx.work, timeout=120, stop_on=stop, svm=True))


def boot_linux_in_bochs(ctx, kernel, fmt_name, extra=()):
    """Plinth boots the stock Debian kernel with the demo initramfs under
    VT-x, with nothing on the command line but console=ttyS0; the guest
    reports itself and powers off through ACPI; Plinth reports that and
    powers the machine off."""
    img = ctx.image_with_config(
        "kernel = %s\ninitrd = /guest/initrd.img\n"
        "cmdline = console=ttyS0\nmemory = 256M\n" % kernel, extra)
    res = bench.run_bochs(img, ctx.work, timeout=900, stop_on=FAIL_MARKS)
    no_faults(res)
    s = res.serial
    with open(os.path.join(ctx.guest, "VERSION")) as f:
        kver = f.read().split()[2]
    expect(s, "guest: %s kernel loaded" % fmt_name, "kernel loaded")
    expect(s, "plinth-guest: booted Linux " + kver, "guest banner")
    expect(s, "plinth-check: kernel: " + kver, "uname -r")
    check_guest_basics(s, mem_mib=256)
    check_console_marked(res)
    expect(s, "guest: ended: ACPI S5 (soft off)", "guest power-off")
    expect(s, "powering off: on_guest_exit = poweroff", "Plinth power-off")
    if res.timed_out:
        raise Failure("Bochs did not stop after the power-off line")
    if "ACPI control: soft power off" not in bench.bochs_log(ctx.work):
        raise Failure("Bochs' log shows no ACPI soft power-off")


def test_bochs_linux_vcpus2(ctx):
    """Linux on two vCPUs under VT-x.  Bochs runs two CPUs; its firmware
    has no ACPI tables, so the ESP boots acpi_shim.efi first, which gives
    it the MADT real firmware would and starts plinth.efi; like some
    firmware, it also leaves the boot CPU's TSC ahead of the other's.
    Plinth gives both one TSC (IA32_TSC_ADJUST 0 on each), starts the
    second CPU, turns VMX on there
    and runs vCPU 1 on it with a VMCS of its own, from the guest's
    STARTUP in real mode; Linux brings it up, keeps the TSC as its clock,
    takes the CPU offline and back, runs a job on each CPU, gets NMI
    backtraces from both, and powers off (check_vcpus)."""
    cfg = ("kernel = /guest/vmlinux\ninitrd = /guest/initrd.img\n"
           "cmdline = console=ttyS0 plinth.smptest=1\nmemory = 256M\n"
           "io_core = off\ncpus = 2\n")
    img = os.path.join(ctx.work, "test.img")
    bench.make_image(img, [
        ("EFI/BOOT/BOOTX64.EFI", os.path.join(ctx.guest, "acpi_shim.efi")),
        ("EFI/BOOT/plinth.efi", ctx.efi),
        ("EFI/BOOT/plinth.cfg", cfg.encode()),
        ("guest/vmlinux", os.path.join(ctx.guest, "vmlinux")),
        ("guest/initrd.img", os.path.join(ctx.guest, "initrd.img"))])
    res = bench.run_bochs(img, ctx.work, timeout=900, stop_on=FAIL_MARKS,
                          cpus=2)
    no_faults(res)
    s = res.serial
    expect(s, "acpi_shim: a MADT with 2 CPUs installed", "the shim ran")
    expect(s, "acpi_shim: the boot CPU's TSC moved 1073741824 ticks ahead "
           "of the others", "the TSCs left apart")
    expect(s, "tsc: this CPU's IA32_TSC_ADJUST was 1073741824 (the firmware "
           "wrote its TSC): now 0, as every CPU's", "one TSC")
    expect(s, "smp: 2 of 2 CPUs running", "Plinth started the second CPU")
    # Two vCPUs 21 s apart: Linux's time jumps between them (by 2^64 ns
    # backwards, as seen), and its timers and RCU stall; or it would drop
    # the TSC (its watchdog, or time that runs backwards).
    expect(s, "plinth-check: clocksource: tsc\n", "the TSC, still the clock")
    for bad in ("Marking TSC unstable", "as unstable", "TSC warp",
                "went backwards", "detected stalls", "soft lockup"):
        if bad in s:
            i = s.index(bad)
            raise Failure("the guest's TSCs disagree: "
                          + s[s.rindex("\n", 0, i) + 1:i + 200])
    expect(s, "vmx: on", "VMXON")
    check_vcpus(s, 2)
    expect(s, "guest: ended: ACPI S5 (soft off)", "guest power-off")
    expect(s, "powering off: on_guest_exit = poweroff", "Plinth power-off")
    if res.timed_out:
        raise Failure("Bochs did not stop after the power-off line")


def test_bochs_linux_guest(ctx):
    """The uncompressed ELF vmlinux: the same kernel without a minute of
    XZ decompression under Bochs."""
    boot_linux_in_bochs(ctx, "/guest/vmlinux", "ELF", extra=[
        ("guest/vmlinux", os.path.join(ctx.guest, "vmlinux"))])


def test_bochs_linux_guest_bzimage(ctx):
    """The kernel exactly as Debian ships it, through the 32-bit entry of
    the Linux boot protocol and its own decompressor."""
    boot_linux_in_bochs(ctx, "/guest/vmlinuz", "bzImage")


def packed_features(s, device, packed=True):
    """The sysfs features string of the virtio device with that id, as
    the check script reports it; fails unless VERSION_1 (32) was
    negotiated and RING_PACKED (34) was, or was not, as `packed` says."""
    m = expect_re(s, r"^plinth-check: virtio: virtio\d+ device %s features "
                  r"([01]+)$" % device, "virtio device %s" % device)
    bits = m.group(1)
    if len(bits) < 35 or bits[32] != "1" or (bits[34] == "1") != packed:
        raise Failure("virtio device %s negotiated %s: want VERSION_1 (32)"
                      " and %s RING_PACKED (34)"
                      % (device, bits, "" if packed else "no"))
    return bits


def check_clock_ports(s):
    """With its clock on the TSC the guest reads the PM timer only while
    the kernel registers it as a clocksource (about fifty reads) and the
    PIT hardly at all; a guest whose clock is either reads it thousands
    of times a minute.  From the port counts Plinth logs when the guest
    ends."""
    for dev, most in (("acpi-pm", 200), ("pit", 50)):
        m = re.search(r"io: %s +(\d+) accesses" % dev, s)
        n = int(m.group(1)) if m else 0
        if n > most:
            raise Failure("the guest used the %s %d times (a clock on the "
                          "TSC needs at most %d)" % (dev, n, most))


def check_verify(s, rounds):
    """The guest's mixed read/write verify workload (blkverify): every
    round ok, every read's data right and the guard bytes around its
    buffers untouched."""
    for r in range(1, rounds + 1):
        expect_re(s, r"^plinth-verify: round %d: \d+ reads, \d+ writes, ok$"
                  % r, "verify round %d" % r)
    expect(s, "plinth-verify: done: ok", "verify workload")


def check_disk_test(s):
    """The guest's disk exercise (disk-test.sh): every line ok."""
    for name in ("sector-0", "unaligned-small", "unaligned-across",
                 "direct-256k", "direct-1m", "unaligned-1m", "last-sector",
                 "discard", "filesystem"):
        expect(s, "plinth-disk: %s: ok" % name, "disk check " + name)
    expect(s, "plinth-disk: done: 0 failed", "disk checks")


def linux_virtio_in_bochs(ctx, ring, mgmt=False):
    """With `mgmt`, Plinth's management plane shares the NIC: it takes the
    first DHCP lease (10.0.2.15, where Bochs forwards the port), the guest
    the next, and the test reads the guest's console through the API
    while the guest's TCP exchange is held open mid-way."""
    gate = threading.Event() if mgmt else None
    peer = TcpPeer(gate=gate)
    port = mgmt_client.free_port()
    extra_cfg = ("mgmt = dhcp\nmgmt_token = %s\n" % mgmt_client.TOKEN
                 if mgmt else "")
    img = ctx.image_with_config(
        "kernel = /guest/vmlinux\ninitrd = /guest/initrd.img\n"
        "cmdline = console=ttyS0 plinth.verify=2 plinth.disktest=1 %s\n"
        "memory = 256M\ndisk = ram:16M\nvirtio_ring = %s\n%s"
        % (peer.cmdline(), ring,
                                                  extra_cfg),
        [("guest/vmlinux", os.path.join(ctx.guest, "vmlinux"))])
    seen = {"console": b""}

    def watch():
        """Polls /v1/console until the guest has sent its data, then
        lets the exchange finish."""
        offset = 0
        while not gate.is_set():
            try:
                st, h, body = mgmt_client.request(
                    port, "GET", "/v1/console?offset=%d" % offset,
                    mgmt_client.AUTH, timeout=10)
            except OSError:
                time.sleep(2)
                continue
            if st == 200:
                seen["console"] += body
                offset = int(h["X-Next-Offset"])
                if b"plinth-net: sent: " in seen["console"]:
                    gate.set()
            time.sleep(1)
    if mgmt:
        threading.Thread(target=watch, daemon=True).start()
    res = bench.run_bochs(img, ctx.work, timeout=1200, stop_on=FAIL_MARKS,
                          slirp=True, hostfwd=((port, 8080),) if mgmt else ())
    if gate:
        gate.set()  # whatever happened, the server must not wait on
    no_faults(res)
    s = res.serial
    expect(s, "disk: blank RAM disk, 16 MiB", "RAM disk")
    expect(s, "guest: virtio-blk vda on the ram disk", "vda backend")
    expect_re(s, r"e1000: [0-9a-f:.]+: 82540EM \(8086:100e\), MAC "
              r"52:54:00:12:34:56, ", "Bochs' e1000 found")
    expect(s, "guest: virtio-net net0 on the NIC, MAC 02:50:4c:4e:54:01",
           "virtio-net backend")
    for dev, name in (("0x0002", "vda"), ("0x0001", "net0")):
        bits = packed_features(s, dev, packed=ring == "packed")
        expect(s, "virtio: %s: driver ready, features 0x%x, %s ring, MSI-X"
               % (name, int(bits[::-1], 2), ring), name + " ready")
    expect(s, "plinth-check: block: vda 32768 sectors", "vda size")
    expect_re(s, r"^plinth-check: net: eth0 02:50:4c:4e:54:01$",
              "virtio-net MAC")
    check_verify(s, 2)
    check_disk_test(s)
    check_guest_basics(s, mem_mib=256)
    check_console_marked(res)
    peer.check(s, "10.0.2.16" if mgmt else "10.0.2.15")
    if mgmt:
        c = seen["console"].decode(errors="replace")
        if not peer.gated:
            raise Failure("the console never showed the guest's data sent "
                          "through the management API (it got %d bytes)"
                          % len(c))
        for line in ("plinth-guest: booted Linux", "plinth-net: sent: "):
            if line not in c:
                raise Failure("the console through the API lacks %r" % line)
        # The API serves the guest's bytes as they are; the serial
        # console shows its control characters in caret notation, has \r
        # removed, and Plinth's own lines may land between the guest's.
        shown = "".join("^" + chr(ord(ch) + 0x40) if ord(ch) < 0x20
                        and ch not in "\t\n" else "^?" if ch == "\x7f"
                        else ch for ch in c.replace("\r", ""))
        for line in shown.splitlines():
            if line not in s:
                raise Failure("the console through the API has %r, which "
                              "the serial console does not" % line)
        expect(s, "net: address 10.0.2.15, netmask 255.255.255.0, gateway "
               "10.0.2.2 (DHCP)", "management lease")
    m = expect_re(s, r"virtio: vda queue 0: (\d+) requests, (\d+) bytes, "
                  r"(\d+) errors, (\d+) stalls, (\d+) notifications, "
                  r"(\d+) interrupts", "vda counters")
    req, nbytes, err, stalls, notes, irqs = map(int, m.groups())
    if req < 100 or nbytes < (4 << 20) or err or stalls:
        raise Failure("vda counters: %d requests, %d bytes, %d errors, %d "
                      "stalls" % (req, nbytes, err, stalls))
    # The exchange moved 256 KiB out and 512 KiB in through net0.
    for q, least in ((0, 512 << 10), (1, 256 << 10)):
        m = expect_re(s, r"virtio: net0 queue %d: (\d+) requests, (\d+) "
                      r"bytes, (\d+) errors" % q, "net0 queue %d" % q)
        if int(m.group(2)) < least or int(m.group(3)):
            raise Failure("net0 queue %d: %s bytes, %s errors"
                          % (q, m.group(2), m.group(3)))
    expect(s, "guest: ended: ACPI S5 (soft off)", "guest power-off")


def test_bochs_linux_virtio(ctx):
    """The stock kernel under Plinth in Bochs binds virtio-blk and
    virtio-net with the packed ring, writes and reads back patterns on
    /dev/vda (unaligned sizes, requests over 64 KiB, the last sector),
    discards, makes and mounts an ext2 file system and compares its
    files' checksums after a remount; over Plinth's e1000 driver on Bochs'
    slirp network it gets a DHCP lease and exchanges TCP data both ways
    with a server on the host.  Plinth's management plane shares the NIC
    (its own DHCP lease and MAC): the test reads the guest's console
    through the API while the guest's TCP exchange is held open, and only
    then lets the exchange finish.  Plinth's counters at the end show the
    requests and no errors or stalls."""
    linux_virtio_in_bochs(ctx, "packed", mgmt=True)


def test_bochs_linux_virtio_split(ctx):
    """The same with virtio_ring = split: Linux, offered no packed ring,
    drives both devices through the split layout."""
    linux_virtio_in_bochs(ctx, "split")


def linux_in_qemu(ctx, nic, cpus=1, disk="ahci", vcpus=1):
    """The whole product path under QEMU TCG with AMD-V: OVMF boots
    plinth.efi, which runs Debian's stock bzImage with virtio-blk on its
    AHCI driver (the scratch disk, AHCI port 1), or with `disk` "nvme"
    its NVMe driver (namespace 1), and virtio-net on its driver for
    `nic`, on QEMU's user network.  The management API has a
    static address of its own on the same NIC; the guest's TCP exchange
    with the host is held open until curl has had /v1/status from it
    with the guest running.  With `cpus` > 1 the devices run on the I/O
    core (check_io_core); with `vcpus` > 1 the guest has that many, each
    on a CPU of its own (check_vcpus)."""
    gate = threading.Event()
    peer = TcpPeer(gate=gate)
    port = mgmt_client.free_port()
    seed = "%016x" % random.getrandbits(64)
    scratch = blank_disk(ctx, 64)
    img = ctx.image_with_config(
        "kernel = /guest/vmlinuz\ninitrd = /guest/initrd.img\n"
        "cmdline = console=ttyS0 plinth.verify=2 plinth.disktest=1 "
        "plinth.knownfile=%s %s%s\n"
        "memory = 256M\ndisk = %s\nnic = auto\ncpus = %d\n"
        "mgmt = static 10.0.2.20/24 10.0.2.2\nmgmt_token = %s\n"
        % (seed, peer.cmdline(), " plinth.smptest=1" if vcpus > 1 else "",
           {"ahci": "ahci:1", "nvme": "nvme:1"}[disk], vcpus,
           mgmt_client.TOKEN))
    seen = {"curl": []}

    def watch():
        """curl, as a user would, until the guest is running and its
        exchange is under way; then lets the exchange finish."""
        while not gate.is_set():
            r = subprocess.run(
                ["curl", "-sS", "--max-time", "10", "-H",
                 "Authorization: Bearer " + mgmt_client.TOKEN,
                 "http://127.0.0.1:%d/v1/status" % port],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            seen["curl"].append(r.returncode)
            if r.returncode == 0 and peer.received is not None:
                st = json.loads(r.stdout)
                if st["guest"]["state"] == "running":
                    seen["status"] = st
                    gate.set()
            time.sleep(1)
    threading.Thread(target=watch, daemon=True).start()
    res = bench.run_qemu(img, ctx.work, timeout=900, stop_on=FAIL_MARKS,
                         nics=(nic,), svm=True,
                         hostfwd=((port, 8080, "10.0.2.20"),),
                         extra=("-smp", str(cpus)),
                         one_core=bench.vcpu_threads(vcpus),
                         **({"scratch": scratch} if disk == "ahci"
                            else {"nvme": [scratch]}))
    gate.set()  # whatever happened, the server must not wait on
    no_faults(res)
    s = res.serial
    expect(s, "svm: on (", "AMD-V in use")
    check_io_core(s, cpus)
    check_vcpus(s, vcpus)
    expect(s, "guest: bzImage kernel loaded", "stock bzImage")
    expect_re(s, r"^\[ *[0-9.]+\] guest: virtio-blk vda on the %s "
              r"disk" % disk, "vda on " + disk)
    model = {"e1000": r"82540EM \(8086:100e\)",
             "e1000e": r"82574L \(8086:10d3\)"}[nic]
    expect_re(s, r"e1000: [0-9a-f:.]+: %s, MAC " % model, nic + " found")
    expect(s, "guest: virtio-net net0 on the NIC, MAC 02:50:4c:4e:54:01",
           "virtio-net backend")
    for dev in ("0x0002", "0x0001"):
        packed_features(s, dev)
    expect(s, "plinth-check: block: vda 131072 sectors", "vda size")
    check_guest_basics(s, mem_mib=256)
    check_console_marked(res)
    check_verify(s, 2)
    check_disk_test(s)
    want = ("plinth known file %s\n" % seed).encode()
    want = (want * (1048576 // len(want) + 1))[:1048576]
    expect(s, "plinth-known: written with fsync and read back: %s"
           % hashlib.sha256(want).hexdigest(), "known file in the guest")
    peer.check(s, "10.0.2.15")
    if "status" not in seen or not peer.gated:
        raise Failure("curl never had /v1/status with the guest running "
                      "while its exchange was open (curl exit codes %s)"
                      % seen["curl"][-5:])
    g = seen["status"]["guest"]
    if g["memory_bytes"] != 256 << 20 or g["exits"] <= 0:
        raise Failure("/v1/status: %r" % g)
    check_status_vcpus(g, vcpus)
    expect(s, "guest: ended: ACPI S5 (soft off)", "guest power-off")
    expect_re(s, r"(nvme: [0-9a-f:.]+: shut down|ahci: port 1: cache "
              r"flushed, disk in standby)\n.*powering off",
              "the disk put to rest before the power-off")
    expect_clean_qemu_poweroff(res, "on_guest_exit = poweroff")
    # The file, read from the image after QEMU is gone.
    r = subprocess.run(["/sbin/debugfs", "-R", "cat /plinth-known.bin",
                        scratch], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode or r.stdout != want:
        raise Failure("the disk image holds %d bytes of /plinth-known.bin, "
                      "%s (debugfs: %s)"
                      % (len(r.stdout), "as written" if r.stdout == want
                         else "not what the guest wrote",
                         r.stderr.decode(errors="replace").strip()))


def check_status_vcpus(g, n):
    """/v1/status lists the guest's `n` vCPUs, each on a CPU of its own,
    in a state a vCPU can be in, with exits of its own that add up, by
    reason, to its total; and the guest's exits are theirs together.
    Each count is read while its vCPU runs, and the later read can only
    be ahead: by reason (read after the total) at least the total, and
    the vCPUs' (read after the guest's) at least the guest's."""
    vs = g.get("vcpus", [])
    if [v["id"] for v in vs] != list(range(n)):
        raise Failure("/v1/status: vCPUs %r, not %d" % (vs, n))
    if len({v["cpu"] for v in vs}) != n or vs[0]["cpu"] != 0:
        raise Failure("/v1/status: the vCPUs' CPUs: %r" % vs)
    for v in vs:
        if v["state"] not in ("running", "halted", "offline", "starting") \
                or v["exits"] <= 0 \
                or sum(v["exits_by_reason"].values()) < v["exits"]:
            raise Failure("/v1/status: vCPU %r" % v)
    if g["exits"] > sum(v["exits"] for v in vs):
        raise Failure("/v1/status: %d exits in all, more than the vCPUs' %r"
                      % (g["exits"], vs))


ZEROS_32M_SHA256 = ("83ee47245398adee79bd9c0a8bc57b821e92aba10f5f9ade8a5d1fae"
                    "4d8c4302")


def check_vcpus(s, n):
    """The guest has `n` vCPUs, one on each CPU beside vCPU 0's and the
    I/O core's: Linux brought them all up, each one it can unplug went
    offline and came back, a job pinned on every CPU at once gave the
    right result everywhere, an NMI reached every other CPU (sysrq l's
    backtraces), and the guest's IPIs went through Plinth's APIC bus from
    core to core."""
    expect(s, "plinth-check: cpus: %d\n" % n, "the guest sees %d CPUs" % n)
    expect(s, "vcpus: the guest has %d vCPU%s, vCPU 0 on CPU 0"
           % (n, "s" if n > 1 else ""), "the vCPU count")
    if n == 1:
        return
    expect_re(s, r"smp: Brought up 1 node, %d CPUs" % n, "Linux's APs")
    every = "0-%d" % (n - 1)
    expect(s, "plinth-smp: online: %s\n" % every, "every CPU online")
    for i in range(1, n):
        expect_re(s, r"plinth-smp: cpu%d: offline leaves [0-9,-]+, online "
                  r"again %s\n" % (i, every), "cpu%d offline and back" % i)
    expect(s, "plinth-smp: jobs: %d on %d CPUs, 1 distinct: %s\n"
           % (n, n, ZEROS_32M_SHA256), "a job on every CPU")
    expect(s, "plinth-smp: nmi: backtraces from cpus %s \n"
           % " ".join(str(i) for i in range(n)), "an NMI to every other CPU")
    m = expect_re(s, r"interrupts: (\d+) fixed, (\d+) lowest-priority, "
                  r"(\d+) NMI, (\d+) INIT, (\d+) STARTUP, (\d+) posted to "
                  r"another core, (\d+) kicks", "the APIC bus's counts")
    fixed, _, nmi, init, startup, posted, kicks = map(int, m.groups())
    # Each AP started at boot and again after its offline: INIT each
    # time, STARTUP twice (Linux sends two).
    if init < 2 * (n - 1) or startup < 2 * (n - 1) or nmi < n - 1 \
            or not posted \
            or not kicks or kicks > posted:
        raise Failure("the APIC bus: " + m.group(0))


def test_qemu_linux_ahci_e1000(ctx):
    """Linux under Plinth on QEMU's AMD-V, its disk on the AHCI driver and
    its network on the e1000 (82540EM) driver: the guest's disk exercise,
    a file written with fsync and found in the image afterwards, a DHCP
    lease and a TCP exchange both ways with the host, curl answered by
    the management API while the guest runs, and a clean power-off."""
    linux_in_qemu(ctx, "e1000")


def test_qemu_linux_ahci_e1000e(ctx):
    """The same on the e1000e (82574L)."""
    linux_in_qemu(ctx, "e1000e")


def test_qemu_linux_io_core_smp2_e1000(ctx):
    """The same on a 2-CPU machine, the devices on the I/O core: every
    exchange above, the guest's queues notified only while the I/O core
    napped."""
    linux_in_qemu(ctx, "e1000", cpus=2)


def test_qemu_linux_io_core_smp4_e1000e(ctx):
    """The same on a 4-CPU machine with the e1000e."""
    linux_in_qemu(ctx, "e1000e", cpus=4)


def test_qemu_linux_vcpus3_smp4_e1000e(ctx):
    """The same with the guest on 3 vCPUs (cpus = 3), the devices on the
    I/O core: Linux brings them up, takes each offline and back, runs a
    job on every one (check_vcpus)."""
    linux_in_qemu(ctx, "e1000e", cpus=4, vcpus=3)


def test_qemu_linux_nvme_io_core_smp2_e1000(ctx):
    """The same with the guest's disk on Plinth's NVMe driver, its
    completions polled on the I/O core: the disk exercise, the known file
    found in the namespace's image afterwards."""
    linux_in_qemu(ctx, "e1000", cpus=2, disk="nvme")


# Run only when `tests/runner.py -k` names them, not in the suite.
ON_REQUEST = distro_tests.ON_REQUEST

# The slowest first, so that it overlaps the others.
TESTS = distro_tests.TESTS + hostile_tests.TESTS + [
    test_qemu_linux_ahci_e1000,
    test_qemu_svm_bench_guest,
    test_qemu_svm_guest_restart,
    test_qemu_linux_ahci_e1000e,
    test_qemu_linux_io_core_smp2_e1000,
    test_qemu_linux_io_core_smp4_e1000e,
    test_qemu_linux_vcpus3_smp4_e1000e,
    test_qemu_linux_nvme_io_core_smp2_e1000,
    test_bochs_linux_vcpus2,
    test_bochs_linux_virtio,
    test_bochs_linux_virtio_split,
    test_bochs_linux_guest_bzimage,
    test_bochs_linux_guest,
    test_bochs_vtx_bench_guest,
    test_bochs_guest_restart,
] + mgmt_tests.TESTS + [
    test_qemu_boot_1g,
    test_qemu_boot_3g,
    test_qemu_reboot_action,
    test_qemu_usb_stick_boots_the_demo_image,
] + disk_tests.TESTS + [
    test_qemu_net_selftest_e1000,
    test_qemu_net_selftest_e1000e,
    test_check_config_accepts_the_demo_image,
    test_check_config_refuses_a_kernel_the_loader_refuses,
    test_qemu_operator_appliance_image,
    test_qemu_bad_config_unknown_key,
    test_qemu_bad_config_missing_kernel,
    test_qemu_bad_config_guest_too_big,
    test_qemu_bad_config_missing_disk,
    test_qemu_bad_config_disk_not_whole_sectors,
    test_qemu_stack_overflow_is_reported,
    test_demo_guest_reference_boot,
] + iocore_tests.TESTS + screen_tests.TESTS \
    + fuzz_tests.TESTS
