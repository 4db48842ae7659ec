#!/usr/bin/env python3
"""Runs Plinth's test suite and ends with one line "N passed, N failed".

    tests/runner.py                 host unit tests, then system tests
    tests/runner.py --unit-only     the source checks and host unit tests
    tests/runner.py -k bochs        only tests whose name contains "bochs"

The source checks (tests/static/) read the code: its layering, its format
and cppcheck's findings.  Host unit tests are the binaries build/tests/test_* (built by make under
ASan and UBSan); each prints "ok - NAME" or "not ok - NAME" per test.
System tests are qemu-test/systests.py's TESTS, run two at a time (the
emulators are single-threaded).  Their consoles and logs stay under
build/qemu-test/NAME/.
"""

import argparse
import concurrent.futures
import glob
import os
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "qemu-test"))

import systests  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests", "static"))
import static_checks  # noqa: E402


def report(name, ok, seconds, detail=""):
    print("%s %s (%.1f s)%s" % ("PASS" if ok else "FAIL", name, seconds,
                                "\n    " + detail.replace("\n", "\n    ")
                                if detail and not ok else ""), flush=True)
    return ok


def run_unit(build, want):
    results = []
    bins = sorted(glob.glob(os.path.join(build, "tests", "test_*")))
    if not bins:
        return [report("unit", False, 0, "no unit test binaries in %s/tests"
                       % build)]
    for b in bins:
        suite = os.path.basename(b)[len("test_"):]
        start = time.monotonic()
        try:
            p = subprocess.run([b], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               timeout=300)
            out, rc = p.stdout, p.returncode
        except subprocess.TimeoutExpired as e:
            out, rc = (e.stdout or b"").decode(errors="replace"), "timeout"
        took = time.monotonic() - start
        notes, seen = [], 0
        for line in out.splitlines():
            if line.startswith("#"):
                notes.append(line[1:].strip())
                continue
            for mark, ok in (("ok - ", True), ("not ok - ", False)):
                if line.startswith(mark):
                    name = "unit/%s/%s" % (suite, line[len(mark):])
                    seen += 1
                    if want(name):
                        results.append(report(name, ok, 0, "\n".join(notes)))
                    notes = []
        # A sanitizer abort or crash ends the binary early: count it.
        if rc != 0 and (seen == 0 or all(results[-seen:])):
            results.append(report("unit/%s" % suite, False, took,
                                  "exit %s:\n%s" % (rc, out[-3000:])))
    return results


def run_static(want):
    """The checks that read the source: layering, format, static analysis."""
    results = []
    for name, fn in static_checks.CHECKS:
        if not want("static/" + name):
            continue
        start = time.monotonic()
        ok, detail = fn(ROOT)
        results.append(report("static/" + name, ok, time.monotonic() - start,
                              detail))
    return results


def run_one(build, fn):
    name = fn.__name__[len("test_"):]
    start = time.monotonic()
    try:
        fn(systests.Ctx(build, name))
        return name, True, time.monotonic() - start, ""
    except systests.Failure as e:
        return (name, False, time.monotonic() - start,
                "%s\n(console and logs: %s)" % (e, os.path.join(
                    build, "qemu-test", name)))
    except Exception:
        return name, False, time.monotonic() - start, traceback.format_exc()


def run_system(build, want, jobs, pattern):
    """The system tests; those in systests.ON_REQUEST only when -k names
    them (they are not part of the suite: systests.py says why)."""
    tests = [t for t in systests.TESTS + (systests.ON_REQUEST if pattern
                                          else [])
             if want(t.__name__[len("test_"):])]
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for name, ok, took, detail in ex.map(lambda t: run_one(build, t),
                                             tests):
            results.append(report(name, ok, took, detail))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unit-only", action="store_true")
    ap.add_argument("-k", dest="pattern", default="")
    ap.add_argument("-j", dest="jobs", type=int, default=2)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()

    def want(name):
        return args.pattern in name

    start = time.monotonic()
    results = run_static(want) + run_unit(args.build, want)
    if not args.unit_only:
        results += run_system(args.build, want, args.jobs, args.pattern)
    passed = sum(1 for r in results if r)
    failed = len(results) - passed
    print("suite took %.0f s" % (time.monotonic() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
