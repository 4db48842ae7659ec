"""Plinth on machines with several CPUs: QEMU TCG with AMD-V and -smp N.
Plinth starts the other CPUs itself after ExitBootServices, from the
firmware's MADT, and parks them; the guest runs as on one CPU.
"""

import bench
from sysutil import FAIL_MARKS, Failure, expect, expect_re, no_faults

GUEST_CFG = ("kernel = /guest/vmlinuz\ninitrd = /guest/initrd.img\n"
             "cmdline = console=ttyS0\nmemory = 256M\n")


def smp_boot(ctx, n):
    """Boots the demo guest on an n-CPU machine: every CPU the MADT lists
    is started, each once, each on its own APIC ID, is woken once for a
    job and runs it, and the guest then runs to its power-off with the
    others parked."""
    img = ctx.image_with_config(GUEST_CFG)
    res = bench.run_qemu(img, ctx.work, timeout=240, svm=True,
                         extra=("-smp", str(n)),
                         stop_on=FAIL_MARKS + ("powering off: ",))
    no_faults(res)
    s = res.serial
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
    expect(s, "svm: on (", "AMD-V in use")
    expect(s, "plinth-check: cpus: 1\n", "the guest sees one CPU")
    expect(s, "plinth-guest: check finished; powering off", "guest end")
    expect(s, "guest: ended: ACPI S5 (soft off)", "guest power-off")


def test_qemu_smp2_host_cpus_start(ctx):
    """A 2-CPU machine: the second CPU starts and parks."""
    smp_boot(ctx, 2)


def test_qemu_smp4_host_cpus_start(ctx):
    """A 4-CPU machine: all three others start, one at a time, each on its
    own stack from the shared start-up page."""
    smp_boot(ctx, 4)


TESTS = [test_qemu_smp2_host_cpus_start, test_qemu_smp4_host_cpus_start]
