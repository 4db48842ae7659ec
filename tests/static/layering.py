#!/usr/bin/env python3
"""Plinth's layering, checked from the #include lines of the product code.

Every product file belongs to one unit (a folder; under hv/ a folder of
hv/).  A unit may include its own headers, those of the units RULES lets
it reach, and the single headers FILES lets it reach.  An include outside
that is an edge pointing the wrong way, and fails the check with the file,
the line and the rule it breaks.  The per-folder README.md files say the
same in words.

    tests/static/layering.py        prints each wrong edge; exit 1 if any
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PRODUCT = ("boot", "hv", "arch", "drivers", "net", "virtio", "tools")

# Unit -> units whose headers it may include.  Read top-down: hv/ (the
# start-up, hv/main.c) composes everything; hv/base is the floor.
RULES = {
    "hv": ["*"],
    # Host programs built from Plinth's own sources (plinth-check-config).
    "tools": ["*"],
    "hv/manage": ["hv/base", "hv/config", "hv/run", "hv/backend",
                  "hv/platform", "hv/guest", "virtio", "drivers", "net",
                  "arch"],
    "hv/selftest": ["hv/base", "hv/config", "hv/backend", "drivers", "net",
                    "arch"],
    "hv/run": ["hv/base", "hv/config", "hv/guest", "hv/platform",
               "hv/backend", "virtio", "drivers", "net", "arch"],
    "hv/backend": ["hv/base", "hv/config", "drivers", "net", "arch"],
    "hv/guest": ["hv/base", "hv/config", "hv/platform", "virtio"],
    "hv/platform": ["hv/base"],
    "virtio": ["hv/base", "hv/platform"],
    "drivers": ["hv/base", "arch"],
    "net": ["hv/base", "arch"],
    "boot": ["hv/base", "hv/config"],
    "arch": ["hv/base", "hv/config"],
    "hv/config": ["hv/base"],
    "hv/libc": ["hv/base"],
    "hv/base": [],
}

# Unit -> single headers of other units it may include: interfaces that
# sit with their owner but are implemented or used a level below.
FILES = {
    # Guest memory is a plain map of regions: whoever touches the guest's
    # RAM (the backends' page walks, the devices' rings) reads it.
    "arch": ["hv/guest/gmem.h"],
    "hv/platform": ["hv/guest/gmem.h", "hv/guest/layout.h"],
    "virtio": ["hv/guest/gmem.h", "net/frame_port.h"],
    # The device table wires virtio-net to a frame port.
    "hv/guest": ["net/frame_port.h"],
    # The interfaces the drivers implement for the devices above them.
    "drivers": ["virtio/blk_backend.h", "net/frame_port.h"],
    "hv/backend": ["virtio/blk_backend.h"],
    # The boot console mirrors the firmware's to the UART before the core
    # owns it.
    "boot": ["drivers/serial.h"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def unit_of(path):
    parts = path.split("/")
    if parts[0] == "hv":
        return "hv" if len(parts) == 2 else "hv/" + parts[1]
    return parts[0]


def product_files(root):
    for top in PRODUCT:
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith((".c", ".h", ".S")):
                    yield os.path.relpath(os.path.join(d, f), root)


def allowed(src, dst):
    su, du = unit_of(src), unit_of(dst)
    if su == du:
        return True
    reach = RULES.get(su, [])
    return "*" in reach or du in reach or dst in FILES.get(su, [])


def wrong_edges(root):
    """(file, line number, included header, why) for each wrong edge."""
    bad = []
    for f in product_files(root):
        if unit_of(f) not in RULES:
            bad.append((f, 0, "", "no rule for unit %s" % unit_of(f)))
            continue
        text = open(os.path.join(root, f), encoding="utf-8").read()
        for m in INCLUDE.finditer(text):
            dst = m.group(1)
            # Headers of lwIP and newlib resolve elsewhere.
            if not os.path.exists(os.path.join(root, dst)):
                if dst.split("/")[0] in PRODUCT and dst.startswith(
                        tuple(p + "/" for p in PRODUCT)) \
                        and not dst.startswith("net/lwip/"):
                    bad.append((f, text.count("\n", 0, m.start()) + 1, dst,
                                "no such header"))
                continue
            if not allowed(f, dst):
                line = text.count("\n", 0, m.start()) + 1
                bad.append((f, line, dst, "%s may include only %s" % (
                    unit_of(f), ", ".join(RULES[unit_of(f)]
                                          + FILES.get(unit_of(f), []))
                    or "itself")))
    return bad


def main():
    bad = wrong_edges(ROOT)
    for f, line, dst, why in bad:
        print("%s:%d: includes %s: %s" % (f, line, dst, why))
    print("layering: %d wrong edge%s" % (len(bad), "" if len(bad) == 1
                                         else "s"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
