#!/usr/bin/env python3
"""extract-vmlinux.py BZIMAGE OUT: writes the ELF vmlinux that a bzImage
carries as its compressed payload (Debian's kernels use XZ).  The payload
is the first XZ stream in the file that decompresses to an ELF image."""
import lzma
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"


def extract(data):
    pos = data.find(XZ_MAGIC)
    while pos >= 0:
        try:
            out = lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(data[pos:])
            if out.startswith(b"\x7fELF"):
                return out
        except lzma.LZMAError:
            pass
        pos = data.find(XZ_MAGIC, pos + 1)
    return None


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(sys.argv[1], "rb") as f:
        elf = extract(f.read())
    if elf is None:
        sys.stderr.write("extract-vmlinux: no XZ-compressed ELF in %s\n"
                         % sys.argv[1])
        return 1
    with open(sys.argv[2], "wb") as f:
        f.write(elf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
