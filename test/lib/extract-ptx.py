#!/usr/bin/env python3
# ===- extract-ptx.py - Print the PTX embedded in gpu.binary ops -----------===#
#
# Reads MLIR from stdin and prints the PTX texts that `gpu-module-to-binary`
# with `format=isa` stores in `gpu.binary` objects, so that tests can
# FileCheck them line by line or assemble them with ptxas. With `--binary
# NAME`, only the one of `gpu.binary @NAME` (a valid PTX file on its own).
#
# ===-----------------------------------------------------------------------===#
import argparse
import re
import sys

# A binary's name and its object's text: `assembly = "..."` with MLIR string
# escapes (\XX hex, \\ and \").
OBJECT = re.compile(
    r"gpu\.binary\s+@([\w$.]+)(?:(?!gpu\.binary).)*?"
    r'assembly\s*=\s*"((?:[^"\\]|\\.)*)"',
    re.S,
)
ESCAPE = re.compile(r"\\([0-9A-Fa-f]{2}|.)")


def unescape(text):
    def replace(match):
        code = match.group(1)
        return chr(int(code, 16)) if len(code) == 2 else code

    return ESCAPE.sub(replace, text)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", help="name of the gpu.binary to print")
    args = parser.parse_args()
    found = False
    for match in OBJECT.finditer(sys.stdin.read()):
        if args.binary and match.group(1) != args.binary:
            continue
        sys.stdout.write(unescape(match.group(2)))
        found = True
    if not found:
        sys.exit("extract-ptx.py: no PTX (format=isa) gpu.binary object found")


if __name__ == "__main__":
    main()
