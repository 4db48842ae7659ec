#!/usr/bin/env python3
"""Plinth's test benches: disk images, and runs under QEMU and Bochs.

As a library (tests/runner.py, qemu-test/systests.py):
    make_image(path, files)         GPT disk image with an ESP holding files
    run_qemu(image, workdir, ...)   QEMU 7.2 (TCG with AMD-V, or KVM) on q35
                                    with OVMF
    run_bochs(image, workdir, ...)  Bochs 2.7 with OVMF and VT-x
Every run is bounded by a timeout and killed with SIGKILL when it is over.

As a command:
    bench.py mkimage OUT EFI CFG KERNEL [INITRD [VMLINUX]]   (make image)
    bench.py mkdebian OUT EFI CFG         (make image GUEST=debian)
    bench.py mkappliance OUT EFI CHECKER CFG KERNEL INITRD DISK
                                          (make image CONFIG=...; empty
                                          strings for files not given)
    bench.py run IMAGE [debian]           (make run [GUEST=debian])
"""

import os
import re
import random
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS.fd"
OVMF_BOCHS = "/usr/share/ovmf/OVMF.fd"  # the 2 MiB build; 4M is too big
BOCHS_VGA = "/usr/share/bochs/VGABIOS-lgpl-latest"

MIB = 1 << 20


# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------
def _run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, **kw)
    if r.returncode:
        raise RuntimeError("%s failed (%d): %s" % (cmd[0], r.returncode,
                                                   r.stdout.strip()))
    return r.stdout


def _copy_sparse(src, dst_f, offset):
    """Copies file src into dst_f at offset, leaving runs of zeros as
    holes (a root file system image is mostly empty)."""
    chunk = 4 * MIB
    with open(src, "rb") as f:
        pos = 0
        while True:
            data = f.read(chunk)
            if not data:
                break
            if data.count(0) != len(data):
                dst_f.seek(offset + pos)
                dst_f.write(data)
            pos += len(data)


def make_image(path, files, min_mib=64, partitions=()):
    """Writes a GPT disk image whose first partition is an EFI system
    partition (FAT32) holding `files`: a list of (esp_path, source), where
    source is a file name or bytes; then one partition per (name, image
    file) in `partitions`, named so, holding that image.  Ready to dd to a
    USB stick."""
    payload = 0
    for _, src in files:
        payload += len(src) if isinstance(src, bytes) else os.path.getsize(src)
    fat_mib = max(min_mib, (payload * 5 // 4) // MIB + 16)
    extra_mib = [(os.path.getsize(src) + MIB - 1) // MIB
                 for _, src in partitions]
    # 1 MiB in front (GPT, alignment), 1 behind (the backup GPT).
    total_mib = fat_mib + sum(extra_mib) + 2
    with tempfile.TemporaryDirectory() as tmp:
        fat = os.path.join(tmp, "esp.fat")
        _run(["mkfs.vfat", "-F", "32", "-n", "PLINTH", "-C", fat,
              str(fat_mib * 1024)])
        made = set()
        for dest, src in files:
            parts = dest.strip("/").split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d not in made:
                    _run(["mmd", "-i", fat, "::/" + d])
                    made.add(d)
            if isinstance(src, bytes):
                tmpf = os.path.join(tmp, "blob")
                with open(tmpf, "wb") as f:
                    f.write(src)
                src = tmpf
            _run(["mcopy", "-i", fat, src, "::/" + "/".join(parts)])
        tmpimg = path + ".tmp"
        with open(tmpimg, "wb") as f:
            f.truncate(total_mib * MIB)
        cmd = ["sgdisk", "--clear", "-n", "1:2048:+%dM" % fat_mib,
               "-t", "1:ef00", "-c", "1:EFI system partition"]
        for i, ((name, _), mib) in enumerate(zip(partitions, extra_mib)):
            cmd += ["-n", "%d:0:+%dM" % (i + 2, mib), "-t", "%d:8300" % (i + 2),
                    "-c", "%d:%s" % (i + 2, name)]
        _run(cmd + [tmpimg])
        with open(fat, "rb") as src_f, open(tmpimg, "r+b") as dst_f:
            dst_f.seek(MIB)
            shutil.copyfileobj(src_f, dst_f, 4 * MIB)
            offset = (1 + fat_mib) * MIB
            for (_, src), mib in zip(partitions, extra_mib):
                _copy_sparse(src, dst_f, offset)
                offset += mib * MIB
        os.replace(tmpimg, path)


def replace_file(image, esp_path, data):
    """Replaces one file on the ESP of an image made by make_image."""
    with tempfile.NamedTemporaryFile() as t:
        t.write(data)
        t.flush()
        _run(["mcopy", "-o", "-i", "%s@@%d" % (image, MIB), t.name,
              "::/" + esp_path.strip("/")])


# ---------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------
# What starts each line of the guest's console on Plinth's (guest_console =
# marked, the default).
GUEST_MARK = "guest| "


class Result:
    def __init__(self, serial, status, timed_out, seconds, stopped_on=None,
                 marked=None):
        self.serial = serial          # console output, \r and marks removed
        self.status = status          # exit status, None if killed
        self.timed_out = timed_out
        self.seconds = seconds
        self.stopped_on = stopped_on  # the stop pattern that ended the run
        self.marked = marked          # console output with the guest marks

    def __repr__(self):
        return "Result(status=%r, timed_out=%r, %.1fs)" % (
            self.status, self.timed_out, self.seconds)


def _read(path, marked=False):
    """The console as the file holds it, \\r removed; unless `marked`,
    without the mark that starts each of the guest's lines, so that its
    lines read as the guest wrote them."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace").replace("\r", "")
    except FileNotFoundError:
        return ""
    if marked:
        return text
    return re.sub(r"(?m)^" + re.escape(GUEST_MARK), "", text)


def _supervise(cmd, serial_path, timeout, stop_on=(), grace=1.0, cwd=None,
               env=None, log=None, echo=None, kill=None, started=None):
    """Runs cmd until it exits, `timeout` seconds pass, or the serial output
    shows one of the stop_on strings, or a (string, n) pair's n-th
    occurrence (then `grace` more seconds for the rest of the output), or
    `kill` (a threading.Event) is set.  However this ends (Ctrl-C and
    SIGTERM included), the whole process group dies by SIGKILL, at once:
    like pulling the plug.  With `echo`, the console is copied to that
    file as it grows.  `started(pid)` runs once the process is."""
    def terminate(signum, frame):
        raise SystemExit(128 + signum)
    old_term = signal.signal(signal.SIGTERM, terminate) \
        if threading.current_thread() is threading.main_thread() else None
    start, shown = time.monotonic(), 0
    out = open(log, "wb") if log else subprocess.DEVNULL
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                         stderr=subprocess.STDOUT, cwd=cwd, env=env,
                         start_new_session=True)
    stopped_on, deadline = None, start + timeout
    try:
        if started:
            started(p.pid)
        while p.poll() is None and time.monotonic() < deadline:
            if kill is not None and kill.wait(0.2):
                stopped_on = "kill"
                break
            if kill is None:
                time.sleep(0.2)
            text = _read(serial_path)
            if echo:
                echo.write(text[shown:])
                echo.flush()
                shown = len(text)
            if stop_on and stopped_on is None:
                for s in stop_on:
                    # A pattern, or (pattern, n): its n-th occurrence.
                    pat, n = s if isinstance(s, tuple) else (s, 1)
                    if text.count(pat) >= n:
                        stopped_on = s
                        deadline = min(deadline, time.monotonic() + grace)
                        break
    finally:
        timed_out = p.poll() is None and stopped_on is None
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            status = None
        else:
            status = p.returncode
        if log:
            out.close()
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
    if echo:
        echo.write(_read(serial_path)[shown:])
    return Result(_read(serial_path), status, timed_out,
                  time.monotonic() - start, stopped_on,
                  marked=_read(serial_path, marked=True))


def kvm_usable():
    """(usable, reason): can QEMU/KVM here give a guest hardware
    virtualization?  Plinth needs VT-x or AMD-V *inside* the VM, so KVM
    must be there with nested virtualization on: kvm_intel's on a CPU
    with VMX, kvm_amd's on one with SVM."""
    if not os.path.exists("/dev/kvm"):
        return False, "no /dev/kvm"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "/dev/kvm is not accessible to this user"
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l for l in f if l.startswith("flags")), "").split()
    except OSError:
        flags = []
    for flag, module, name in (("vmx", "kvm_intel", "VT-x"),
                               ("svm", "kvm_amd", "AMD-V")):
        if flag not in flags:
            continue
        nested = "/sys/module/%s/parameters/nested" % module
        try:
            with open(nested) as f:
                if f.read().strip() not in ("Y", "1"):
                    return False, "%s has nested virtualization off" % module
        except OSError:
            return False, "%s is not loaded" % module
        return True, "KVM with nested %s" % name
    return False, "the host CPU offers neither VT-x nor AMD-V (no vmx or svm flag)"


def qemu_cmd(image, workdir, mem="1G", nics=("e1000", "e1000e"),
             scratch=None, kvm=False, serial="file", pcap=False,
             hostfwd=(), blkdebug=None, svm=False, extra=(), persist=False,
             usb=False, vga="none", monitor=None, nvme=()):
    """The QEMU command line.  TCG's `-cpu max` offers AMD-V with nested
    paging, which runs the guest; without `svm` it is taken away, and
    Plinth sees a CPU without virtualization (tests of the host side then
    need no guest).  Each NIC is on user networking (netdev nI);
    with `pcap`, its traffic is dumped to workdir/nI.pcap; `hostfwd` is a
    list of (host port, guest port[, guest address]) forwarded to the
    first NIC.  The
    scratch disk (AHCI port 1) passes TRIM through to its file; with
    `blkdebug`, a blkdebug rules file, it fails I/O as the rules say.
    The boot image takes the guest's writes only with `persist` (else
    they go to a temporary overlay, and runs can share it).  It is an
    IDE disk, or with `usb` a USB stick (usb-storage on an xHCI
    controller), as people boot Plinth.  `vga` is QEMU's -vga model
    ("std" gives OVMF a framebuffer); `monitor`, a socket path for QEMU's
    human monitor (screendump).  `nvme` lists raw images (a
    "blkdebug:RULES:" prefix allowed), or (image, nvme-ns options), that
    become namespaces 1, 2, ... of one NVMe controller, TRIM passed
    through as on the scratch disk."""
    vars_copy = os.path.join(workdir, "OVMF_VARS.fd")
    shutil.copyfile(OVMF_VARS, vars_copy)
    cmd = ["qemu-system-x86_64", "-machine", "q35",
           "-accel", "kvm" if kvm else "tcg",
           "-cpu", "host" if kvm else "max" if svm else "max,-svm",
           "-m", mem,
           "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
           "-drive", "if=pflash,format=raw,unit=1,file=" + vars_copy,
           "-drive", "if=none,id=esp,format=raw,%sfile=%s"
           % ("" if persist else "snapshot=on,", image),
           "-device", "ide-hd,drive=esp,bus=ide.0,bootindex=0"
           if not usb else "qemu-xhci,id=xhci",
           "-display", "none", "-vga", vga, "-monitor",
           "unix:%s,server,nowait" % monitor if monitor else "none",
           "-nic", "none", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if usb:
        cmd += ["-device", "usb-storage,bus=xhci.0,drive=esp,bootindex=0"]
    if serial == "file":
        cmd += ["-serial", "file:" + os.path.join(workdir, "serial.txt")]
    else:
        cmd += ["-serial", "mon:stdio"]
    if scratch:
        f = "blkdebug:%s:%s" % (blkdebug, scratch) if blkdebug else scratch
        cmd += ["-drive", "if=none,id=scratch,format=raw,discard=unmap,"
                "file=" + f,
                "-device", "ide-hd,drive=scratch,bus=ide.1"]
    if nvme:
        cmd += ["-device", "nvme,id=nvme0,serial=plinth-nvme"]
    for i, f in enumerate(nvme):
        f, opts = (f, "") if isinstance(f, str) else f
        cmd += ["-drive", "if=none,id=nvm%d,format=raw,discard=unmap,"
                "file=%s" % (i + 1, f),
                "-device", "nvme-ns,drive=nvm%d,bus=nvme0,nsid=%d%s"
                % (i + 1, i + 1, "," + opts if opts else "")]
    for i, model in enumerate(nics):
        fwd = "".join(",hostfwd=tcp:127.0.0.1:%d-%s:%d"
                      % (f[0], f[2] if len(f) > 2 else "", f[1])
                      for f in (hostfwd if i == 0 else ()))
        cmd += ["-netdev", "user,id=n%d%s" % (i, fwd),
                "-device", "%s,netdev=n%d" % (model, i)]
        if pcap:
            cmd += ["-object", "filter-dump,id=f%d,netdev=n%d,file=%s"
                    % (i, i, os.path.join(workdir, "n%d.pcap" % i))]
    return cmd + list(extra)


def monitor_command(sock_path, command, timeout=30):
    """One command to QEMU's human monitor on a unix socket; what it said."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(sock_path)
        out = b""
        while not out.rstrip().endswith(b"(qemu)"):
            out += s.recv(4096)
        s.sendall(command.encode() + b"\n")
        out = b""
        while not out.rstrip().endswith(b"(qemu)"):
            more = s.recv(4096)
            if not more:
                break
            out += more
        return out.decode(errors="replace")


def share_one_core(pid, cpus, wait=20.0):
    """Confines the TCG threads of QEMU's `cpus` (CPU indexes) to one host
    core, the first this process may use; the other CPUs' threads keep
    the rest.  Needs -name debug-threads=on (the threads' names).

    QEMU 7.2's TCG loses updates to CPU 0's hidden flags while another
    CPU's thread runs beside it: every x87 state load (FXRSTOR, XRSTOR,
    FRSTOR, FLDENV) on any CPU clears IGNNE in CPU 0's hflags2, not its
    own, with an unlocked read-modify-write (cpu_set_fpus calls
    cpu_clear_ignne, which takes first_cpu; target/i386/tcg/fpu_helper.c).
    A clear or a set of CPU 0's nested-paging or GIF flag at VMRUN or
    #VMEXIT is then undone now and again: CPU 0 goes on in host mode
    under the guest's nested page tables (the next fetch faults and
    writes its host state into the guest's VMCB) or runs its guest
    without them.  Newer QEMU sources clear the flag on the CPU that
    loads the state.  Threads on one core run one at a time, and a
    read-modify-write a few instructions long is next to never cut in two
    by a preemption, so a guest's vCPUs on one core are safe; the I/O
    core, which loads no x87 state, keeps a core of its own."""
    names = {"CPU %d/TCG" % c for c in cpus}
    core = min(os.sched_getaffinity(0))
    end = time.monotonic() + wait
    while time.monotonic() < end:
        found = {}
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                    name = f.read().strip()
            except OSError:
                continue
            if name in names:
                found[name] = int(tid)
        if len(found) == len(names):
            for tid in found.values():
                os.sched_setaffinity(tid, {core})
            return
        time.sleep(0.05)
    raise RuntimeError("QEMU's CPU threads %s did not appear" % sorted(names))


def vcpu_threads(vcpus):
    """The QEMU CPUs that hold a guest's `vcpus` vCPUs beside an I/O core
    on CPU 1 (vCPU 0 on CPU 0, the others after the I/O core), for
    run_qemu's `one_core` when there are several; else ()."""
    return (0,) + tuple(range(2, vcpus + 1)) if vcpus > 1 else ()


class CpuWindow:
    """The host CPU time a process spends between two lines of its console
    (`begin` and `end`, each the first of its kind): pass it as a run's
    `started`; afterwards `cores` is CPU seconds per second of that
    window (1.0: one host core busy throughout), or None if the window
    was not seen whole."""

    def __init__(self, serial, begin, end):
        self.serial, self.begin, self.end = serial, begin, end
        self.cores = None
        self.thread = None

    def __call__(self, pid):
        self.thread = threading.Thread(target=self._watch, args=(pid,),
                                       daemon=True)
        self.thread.start()

    def result(self):
        """`cores`, once the watch has ended (the run has)."""
        if self.thread:
            self.thread.join(5)
        return self.cores

    @staticmethod
    def _cpu(pid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # utime and stime, every thread's (proc(5): fields 14 and 15).
        return (int(fields[11]) + int(fields[12])) \
            / os.sysconf("SC_CLK_TCK")

    def _watch(self, pid):
        first = last = None
        while True:
            time.sleep(0.05)
            # The sample before the look: the process may exit (a guest
            # that powers off) right after it prints `end`, and then the
            # last sample taken while it ran closes the window.
            cpu = self._cpu(pid)
            now = time.monotonic()
            if cpu is not None:
                last = (cpu, now)
            text = _read(self.serial)
            if first is None and self.begin in text and last:
                first = last
            if first is not None and self.end in text:
                wall = last[1] - first[1]
                if wall > 0:
                    self.cores = (last[0] - first[0]) / wall
                return
            if cpu is None:
                return


def run_qemu(image, workdir, timeout=60, stop_on=(), grace=1.0, kill=None,
             one_core=(), started=None, **kw):
    """QEMU as qemu_cmd says; `one_core` lists CPUs whose threads share
    one host core (share_one_core); `started(pid)` runs once QEMU
    does."""
    os.makedirs(workdir, exist_ok=True)
    serial = os.path.join(workdir, "serial.txt")
    if os.path.exists(serial):
        os.unlink(serial)
    cmd = qemu_cmd(image, workdir, **kw)
    if one_core:
        cmd += ["-name", "plinth,debug-threads=on"]
    with open(os.path.join(workdir, "cmdline"), "w") as f:
        f.write(" ".join(cmd) + "\n")
    def on_start(pid):
        if one_core:
            share_one_core(pid, one_core)
        if started:
            started(pid)
    return _supervise(cmd, serial, timeout, stop_on, grace=grace, kill=kill,
                      log=os.path.join(workdir, "qemu.log"),
                      started=on_start)


def run_qemu_kernel(kernel, initrd, workdir, append="console=ttyS0",
                    devices=(), timeout=120, stop_on=(), mem="512M",
                    grace=1.0, kill=None, started=None, extra=()):
    """Boots a Linux kernel directly (no firmware, no Plinth): the
    reference run for the demo guest."""
    os.makedirs(workdir, exist_ok=True)
    serial = os.path.join(workdir, "serial.txt")
    if os.path.exists(serial):
        os.unlink(serial)
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg",
           "-cpu", "max", "-m", mem, "-kernel", kernel, "-initrd", initrd,
           "-append", append, "-display", "none", "-vga", "none",
           "-monitor", "none", "-nic", "none", "-no-reboot",
           "-serial", "file:" + serial]
    for d in devices:
        cmd += list(d)
    cmd += list(extra)
    return _supervise(cmd, serial, timeout, stop_on, grace=grace, kill=kill,
                      log=os.path.join(workdir, "qemu.log"),
                      started=started)


BOCHSRC = """\
megs: {megs}
cpu: model={cpu}, count={count}, ips=50000000, reset_on_triple_fault=0
romimage: file={ovmf}
vgaromimage: file={vga}
display_library: term
pci: enabled=1, chipset=i440fx, slot1=e1000
e1000: enabled=1, mac=52:54:00:12:34:56, {ethmod}
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=disk, path={disk}, mode=flat
boot: disk
com1: enabled=1, mode=file, dev={serial}
log: {log}
clock: sync=none, time0=local
port_e9_hack: enabled=1
sound: driver=dummy
speaker: enabled=0
"""


def run_bochs(image, workdir, timeout=240, stop_on=(), megs=512,
              cpu="corei7_haswell_4770", echo=None, slirp=False,
              hostfwd=(), cpus=1):
    """Bochs 2.7 with VT-x.  Its TSC counts instructions (clock sync=none),
    so runs are deterministic.  bochs ignores SIGTERM: SIGKILL only.
    `cpus` processors, APIC IDs 0 and up (its OVMF lists only the first:
    see qemu-test/guest/acpi_shim/).  With
    `slirp` the e1000 is on Bochs' user-mode network (DHCP 10.0.2.15, the
    host's 127.0.0.1 as 10.0.2.2; `hostfwd` is a list of (host port, guest
    port) forwarded from 127.0.0.1 to 10.0.2.15), else on no network at
    all."""
    os.makedirs(workdir, exist_ok=True)
    disk = os.path.join(workdir, "disk.img")
    # A killed Bochs leaves its lock file, and the next one then refuses
    # the disk: the work directory is ours, so clear it.
    if os.path.exists(disk + ".lock"):
        os.unlink(disk + ".lock")
    shutil.copyfile(image, disk)  # Bochs writes to its disk
    serial = os.path.join(workdir, "serial.txt")
    if os.path.exists(serial):
        os.unlink(serial)
    ethmod = "ethmod=null"
    if slirp:
        with open(os.path.join(workdir, "slirp.conf"), "w") as f:
            f.write("# slirp config\n")  # Bochs insists on this line
            for hp, gp in hostfwd:
                f.write("hostfwd = tcp:127.0.0.1:%d-:%d\n" % (hp, gp))
        ethmod = "ethmod=slirp, script=slirp.conf"
    rc = os.path.join(workdir, "bochsrc")
    with open(rc, "w") as f:
        f.write(BOCHSRC.format(megs=megs, cpu=cpu, count=cpus,
                               ovmf=OVMF_BOCHS,
                               ethmod=ethmod,
                               vga=BOCHS_VGA, disk=disk, serial=serial,
                               log=os.path.join(workdir, "bochs.log")))
    dbg = os.path.join(workdir, "dbgrc")
    with open(dbg, "w") as f:
        f.write("c\nquit\n")  # the built-in debugger would wait at a prompt
    env = dict(os.environ, TERM="xterm")
    res = _supervise(["bochs", "-q", "-f", rc, "-rc", dbg], serial, timeout,
                     stop_on, cwd=workdir, env=env,
                     log=os.path.join(workdir, "bochs.out"), echo=echo)
    for f in (disk, disk + ".lock"):
        if os.path.exists(f):
            os.unlink(f)
    return res


def bochs_log(workdir):
    return _read(os.path.join(workdir, "bochs.log"))


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
def image_files(efi, cfg, kernel, initrd=None, vmlinux=None):
    files = [("EFI/BOOT/BOOTX64.EFI", efi), ("EFI/BOOT/plinth.cfg", cfg),
             ("guest/vmlinuz", kernel)]
    if initrd:
        files.append(("guest/initrd.img", initrd))
    if vmlinux:
        files.append(("guest/vmlinux", vmlinux))
    return files


def cmd_run(image, debian=False):
    """make run: boots `image` for a person, the console on this terminal,
    the management API on a port of this host with a fresh token (the
    run's own copy of the demo image carries it; the Debian image keeps
    what its guest writes)."""
    work = os.path.join(os.path.dirname(os.path.abspath(image)), "run")
    os.makedirs(work, exist_ok=True)
    token = "".join(random.SystemRandom().choice(
        string.ascii_letters + string.digits) for _ in range(24))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run_img = os.path.join(work, os.path.basename(image))
    if debian:
        run_img = os.path.abspath(image)
    else:
        shutil.copyfile(image, run_img)
    cfg = _esp_read(run_img, "EFI/BOOT/plinth.cfg").decode()
    cfg = "".join(l + "\n" for l in cfg.splitlines()
                  if not l.startswith(("mgmt =", "mgmt_token =")))
    replace_file(run_img, "EFI/BOOT/plinth.cfg", (
        cfg + "# make run: the management API, through QEMU's forward\n"
        "mgmt = dhcp\nmgmt_token = %s\n" % token).encode())
    ok, why = kvm_usable()
    how = ("QEMU/KVM (%s)" % why if ok else
           "QEMU without KVM (%s), where Plinth runs the guest with the "
           "CPU's emulated AMD-V; allow %s" % (why, "two minutes to a login"
                                              if debian else "half a minute"))
    print("make run: %s.  Quit with Ctrl-A X.\n"
          "make run: the management API (once Plinth has its DHCP lease):\n"
          "    http://127.0.0.1:%d/#token=%s\n"
          "    curl -H 'Authorization: Bearer %s' http://127.0.0.1:%d/v1/status"
          % (how, port, token, token, port), flush=True)
    cmd = qemu_cmd(run_img, work, kvm=ok, svm=not ok, serial="stdio",
                   mem="2G" if debian else "1G", persist=debian,
                   nics=("e1000",), hostfwd=((port, 8080, "10.0.2.15"),))
    os.execvp(cmd[0], cmd)


def _esp_read(image, esp_path):
    return subprocess.run(["mtype", "-i", "%s@@%d" % (image, MIB),
                           "::/" + esp_path], stdout=subprocess.PIPE,
                          check=True).stdout


def cmd_mkdebian(out, efi, cfg):
    """make image GUEST=debian: the Debian system as an appliance disk,
    the ESP (Plinth, its plinth.cfg, both kernels and initrds) and the
    root file system as a second partition named plinth-root, which
    plinth.cfg gives the guest as its disk."""
    d = os.path.join(os.path.dirname(os.path.abspath(out)), "distro")
    files = [("EFI/BOOT/BOOTX64.EFI", efi), ("EFI/BOOT/plinth.cfg", cfg)]
    for series, suffix in (("6.12", ""), ("6.1", "-6.1")):
        files += [("guest/vmlinuz" + suffix,
                   os.path.join(d, "vmlinuz-" + series)),
                  ("guest/initrd.img" + suffix,
                   os.path.join(d, "initrd.img-" + series))]
    make_image(out, files, partitions=(("plinth-root",
                                        os.path.join(d, "rootfs.img")),))
    print("built %s (%d MiB)" % (out, os.path.getsize(out) // MIB))
    return 0


def cmd_mkappliance(out, efi, checker, cfg, kernel, initrd, disk):
    """make image CONFIG=...: the operator's plinth.cfg with the kernel,
    initrd and disk image it names, each put where it names it, checked by
    plinth-check-config before the image is written and again on the
    image's own ESP after."""
    given = [("--kernel", kernel), ("--initrd", initrd), ("--disk", disk)]
    flags = [a for f, path in given if path for a in (f, path)]
    r = subprocess.run([checker] + flags + [cfg])
    if r.returncode:
        sys.stderr.write("make image: %s refused; no image written\n" % cfg)
        return 1
    paths = subprocess.run([checker, "--paths", cfg], stdout=subprocess.PIPE,
                           text=True, check=True).stdout.split("\n")
    host = {"kernel": kernel, "initrd": initrd, "disk": disk}
    files = [("EFI/BOOT/BOOTX64.EFI", efi), ("EFI/BOOT/plinth.cfg", cfg)]
    for line in filter(None, paths):
        role, esp = line.split(" ", 1)
        if not host[role]:
            sys.stderr.write("make image: %s names a %s (%s): give it as "
                             "%s=FILE\n" % (cfg, role, esp, role.upper()))
            return 1
        files.append((esp.lstrip("/"), host[role]))
    make_image(out, files)
    with tempfile.TemporaryDirectory() as esp:
        subprocess.run(["mcopy", "-s", "-i", "%s@@%d" % (out, MIB), "::/",
                        esp + "/"], check=True)
        r = subprocess.run([checker, "-C", esp,
                            os.path.join(esp, "EFI/BOOT/plinth.cfg")],
                           stdout=subprocess.PIPE, text=True)
    if r.returncode:
        sys.stderr.write(r.stdout + "make image: %s fails its check\n" % out)
        return 1
    print("built %s (%d MiB); dd it to a stick as the README says"
          % (out, os.path.getsize(out) // MIB))
    return 0


def main(argv):
    if len(argv) == 9 and argv[1] == "mkappliance":
        return cmd_mkappliance(*argv[2:9])
    if len(argv) >= 5 and argv[1] == "mkimage":
        make_image(argv[2], image_files(*argv[3:8]))
        print("built %s (%d MiB)" % (argv[2], os.path.getsize(argv[2]) // MIB))
        return 0
    if len(argv) == 3 and argv[1] == "run":
        return cmd_run(argv[2])
    if len(argv) == 4 and argv[1] == "run" and argv[3] == "debian":
        return cmd_run(argv[2], debian=True)
    if len(argv) == 5 and argv[1] == "mkdebian":
        return cmd_mkdebian(*argv[2:5])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
