#!/usr/bin/env python3
"""No product file over 600 lines and no function over 80: a long file or
function is where a second concern hides.  A function is counted from
its opening brace to its closing one, both alone at column 0 (the
kernel style the code and .clang-format keep).

    tests/static/sizes.py        prints each one too long; exit 1 if any
"""

import os
import sys

import layering

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def too_long(root):
    bad = []
    for f in layering.product_files(root):
        lines = open(os.path.join(root, f), encoding="utf-8").read() \
            .split("\n")
        if len(lines) > MAX_FILE_LINES:
            bad.append("%s: %d lines (at most %d)" % (f, len(lines),
                                                      MAX_FILE_LINES))
        start = None
        for i, line in enumerate(lines):
            if line == "{":
                start = i
            elif line == "}" and start is not None:
                n = i - start - 1
                if n > MAX_FUNCTION_LINES:
                    bad.append("%s:%d: %s: a function of %d lines (at "
                               "most %d)" % (f, start, lines[start - 1]
                                             .strip(), n,
                                             MAX_FUNCTION_LINES))
                start = None
    return bad


def main():
    bad = too_long(layering.ROOT)
    print("\n".join(bad + ["sizes: %d too long" % len(bad)]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
