"""The screen console: QEMU's standard VGA under OVMF gives Plinth a
framebuffer, and a screendump taken while the guest runs (or after a
failure) is read back as text by matching each 8x16 cell against the very
font Plinth draws with (tools/psf2c.py reads it the same way).
"""

import os
import re
import sys
import threading
import time

import bench
from sysutil import FAIL_MARKS, Failure, expect, no_faults, serial_so_far

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "tools"))
import psf2c  # noqa: E402

FONT = "/usr/share/consolefonts/spleen-8x16.psfu.gz"
GUEST_CFG = ("kernel = /guest/vmlinuz\ninitrd = /guest/initrd.img\n"
             "cmdline = console=ttyS0 quiet plinth.shell=1\n"
             "memory = 256M\n")


def read_ppm(path):
    """(width, height, bytes of RGB) of a binary PPM (P6, 255)."""
    with open(path, "rb") as f:
        data = f.read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    if not m:
        raise Failure("screendump %s is not a P6 PPM" % path)
    w, h = int(m.group(1)), int(m.group(2))
    return w, h, data[m.end():m.end() + w * h * 3]


def screen_text(path):
    """The screen's text, one string per row of 8x16 cells: each cell is
    the glyph whose pixels it shows (lit on black, or black on lit for the
    inverted status line), '~' where none matches."""
    _, _, rows = psf2c.font_glyphs(FONT)
    glyph = {tuple(g): chr(0x20 + k) for k, g in enumerate(rows[:-1])}
    w, h, px = read_ppm(path)
    lines = []
    for r in range(h // 16):
        best = ""
        for inverted in (False, True):
            text = ""
            for c in range(w // 8):
                bits = []
                for y in range(16):
                    row = 0
                    off = ((r * 16 + y) * w + c * 8) * 3
                    for x in range(8):
                        lit = any(px[off + 3 * x:off + 3 * x + 3])
                        if lit != inverted:
                            row |= 0x80 >> x
                    bits.append(row)
                text += glyph.get(tuple(bits), "~")
            if text.count("~") < (best.count("~") if best else w):
                best = text
        lines.append(best.rstrip())
    return lines


class Screen:
    """Plinth under QEMU with a VGA and a monitor, in a thread."""

    def __init__(self, ctx, cfg, stop_on):
        self.ctx = ctx
        self.sock = os.path.join(ctx.work, "monitor.sock")
        img = ctx.image_with_config(cfg)
        self.out = {}

        def run():
            self.out["res"] = bench.run_qemu(
                img, ctx.work, timeout=300, svm=True, nics=(), vga="std",
                monitor=self.sock, stop_on=stop_on)
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def serial(self):
        return serial_so_far(self.ctx.work)

    def wait_for(self, needle, within=240):
        end = time.monotonic() + within
        while time.monotonic() < end and self.thread.is_alive():
            if needle in self.serial():
                return
            time.sleep(1)
        raise Failure("%r not on the serial console within %d s: ...%s"
                      % (needle, within, self.serial()[-600:]))

    def dump(self):
        """The screen as text lines (after a second, for the status
        line's next redraw)."""
        time.sleep(1.5)
        path = os.path.join(self.ctx.work, "screen.ppm")
        if os.path.exists(path):
            os.unlink(path)
        bench.monitor_command(self.sock, "screendump " + path)
        for _ in range(50):
            if os.path.exists(path) and os.path.getsize(path) > 0:
                break
            time.sleep(0.1)
        lines = screen_text(path)
        with open(os.path.join(self.ctx.work, "screen.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        return lines

    def quit(self):
        try:
            bench.monitor_command(self.sock, "quit")
        except OSError:
            pass
        self.thread.join(30)


def find(lines, pattern, what):
    for line in lines:
        if re.search(pattern, line):
            return line
    raise Failure("%s: no line on the screen matches %r (screen: %s)"
                  % (what, pattern, " / ".join(l for l in lines if l)[-900:]))


def test_qemu_screen_console_shows_plinth_and_the_guest(ctx):
    """With QEMU's standard VGA, the screen shows what the serial port
    shows: Plinth's lines after ExitBootServices, the guest's console
    (marked), and a status line with the version, the guest's state and
    its devices, redrawn while the guest runs."""
    scr = Screen(ctx, GUEST_CFG, FAIL_MARKS)
    try:
        scr.wait_for("plinth-guest: check finished; a shell")
        lines = scr.dump()
    finally:
        scr.quit()
    s = scr.serial()
    expect(s, "screen: 1280x800, 160 columns and 49 rows of text", "mode")
    find(lines, r"^\[ *\d+\.\d+\] virtio: net0: driver ready", "Plinth")
    find(lines, r"^guest\| plinth-guest: check finished; a shell on the "
         r"console", "the guest's console")
    status = find(lines, r"^ Plinth .+ \| up \d+ s \| guest running \| "
                  r"mgmt off \| net0 none down \| \d+ exits/s",
                  "the status line")
    if lines[-1] != status:
        raise Failure("the status line is not the bottom row: %r"
                      % lines[-3:])


def test_qemu_screen_shows_a_failure_after_exit_boot_services(ctx):
    """A disk plinth.cfg names but the machine lacks is found only after
    ExitBootServices: with no serial port to read, the reason and the
    on_fault action are on the screen, where the machine halts."""
    scr = Screen(ctx, GUEST_CFG + "disk = ahci:7\nserial = off\n",
                 ("PANIC:", "FATAL:"))
    try:
        # With serial = off nothing reaches the serial port: wait, then
        # look at the screen.
        end = time.monotonic() + 120
        lines = []
        while time.monotonic() < end:
            lines = scr.dump()
            if any("halting:" in l for l in lines):
                break
    finally:
        scr.quit()
    find(lines, r"guest: no virtio-blk disk: .*port 7", "the reason")
    find(lines, r"failure: the guest's disk is missing; on_fault = halt",
         "the action")
    find(lines, r"halting: the guest's disk is missing", "the halt")
    res = scr.out.get("res")
    if res is not None:
        no_faults(res)


TESTS = [test_qemu_screen_console_shows_plinth_and_the_guest,
         test_qemu_screen_shows_a_failure_after_exit_boot_services]
