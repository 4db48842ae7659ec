"""The checks that read Plinth's source rather than run it.  Each returns
(ok, detail); tests/runner.py reports them as static/NAME."""

import os
import shutil
import subprocess
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


def product_sources(root):
    """The C the format and cppcheck checks read (guest_regs.inc is
    assembly)."""
    return [f for f in layering.product_files(root)
            if f.endswith((".c", ".h"))]


def run(cmd, cwd):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           timeout=600)
    except FileNotFoundError:
        return None, "%s is not installed (make deps installs it)" % cmd[0]
    return p.returncode, p.stdout


def check_format(root):
    """The product code as .clang-format lays it out; `make format`
    rewrites it so."""
    rc, out = run(["clang-format", "--version"], root)
    if rc is None:
        return False, out
    version = out.strip()
    rc, out = run(["clang-format", "--dry-run", "--Werror"]
                  + product_sources(root), root)
    if rc != 0:
        files = sorted(set(line.split(":")[0] for line in out.splitlines()
                           if ": error:" in line))
        return False, ("%d file(s) not as .clang-format lays them out "
                       "(%s; `make format` fixes them):\n%s"
                       % (len(files), version, "\n".join(files)))
    return True, ""


CPPCHECK = ["cppcheck", "--quiet", "--std=c11", "-I.", "-Inet/lwip",
            "--enable=warning,style,performance,portability",
            "-D__x86_64__", "-D__GNUC__", "--error-exitcode=1",
            "--template={file}:{line}: {severity}: {id}: {message}"]


def cppcheck_finds_faults():
    d = tree({"hv/base/a.c": "int f(int c)\n{\n\tint x;\n\n"
                             "\tif (c)\n\t\tx = 1;\n\treturn x;\n}\n"})
    rc, out = run(CPPCHECK + ["hv"], d)
    shutil.rmtree(d)
    return rc == 1 and "uninitvar" in out


def check_cppcheck(root):
    """cppcheck over the product code: no finding but those
    tests/static/cppcheck.supp lists with their reasons."""
    if not cppcheck_finds_faults():
        return False, "cppcheck missed the fault of its own test"
    rc, out = run(CPPCHECK + ["--suppressions-list=tests/static/"
                              "cppcheck.supp", "boot", "hv", "arch",
                              "drivers", "net", "virtio", "tools"], root)
    return rc == 0, out


CHECKS = [
    ("layering", check_layering),
    ("sizes", check_sizes),
    ("format", check_format),
    ("cppcheck", check_cppcheck),
]
