"""The checks that read Plinth's source rather than run it.  Each returns
(ok, detail); tests/runner.py reports them as static/NAME."""

import os
import shutil
import tempfile

import layering
import sizes


def tree(files):
    """A throw-away source tree: {path: text}."""
    d = tempfile.mkdtemp(prefix="plinth-static-")
    for path, text in files.items():
        os.makedirs(os.path.join(d, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(d, path), "w") as f:
            f.write(text)
    return d


def layering_catches_wrong_edges():
    """The checker itself, on a tree with two wrong edges and a right one:
    a check that found nothing there would pass on anything."""
    d = tree({
        "arch/x86/cpu.h": "",
        "hv/base/log.h": '#include "arch/x86/cpu.h"\n',
        "virtio/virtq.c": '#include "arch/x86/cpu.h"\n'
                          '#include "hv/base/log.h"\n',
    })
    got = sorted((f, dst) for f, _, dst, _ in layering.wrong_edges(d))
    shutil.rmtree(d)
    return got == [("hv/base/log.h", "arch/x86/cpu.h"),
                   ("virtio/virtq.c", "arch/x86/cpu.h")]


def sizes_catches_long_functions():
    body = "\n".join("\tx++;" for _ in range(81))
    d = tree({"hv/base/a.c": "void f(void)\n{\n%s\n}\n" % body,
              "hv/base/b.c": "void g(void)\n{\n\tx++;\n}\n"})
    got = sizes.too_long(d)
    shutil.rmtree(d)
    return len(got) == 1 and got[0].startswith("hv/base/a.c:1:")


def check_layering(root):
    if not layering_catches_wrong_edges():
        return False, "layering.py missed the wrong edges of its own test"
    bad = layering.wrong_edges(root)
    return not bad, "\n".join("%s:%d: includes %s: %s" % b for b in bad)


def check_sizes(root):
    if not sizes_catches_long_functions():
        return False, "sizes.py missed the long function of its own test"
    bad = sizes.too_long(root)
    return not bad, "\n".join(bad)


CHECKS = [
    ("layering", check_layering),
    ("sizes", check_sizes),
]
