#!/usr/bin/env python3
"""Validate JSON files against a JSON Schema (draft 2020-12).

Usage: scripts/validate-json.py SCHEMA FILE...

Prints `FILE: ok` for a valid file, or one line `FILE: PATH: MESSAGE` per error, where PATH is
the JSON path of the bad value ($ is the document itself). Exit status: 0 when every file is
valid, 1 when any file is invalid or unreadable, 2 on a usage error or a broken schema.

Needs the `jsonschema` package (Debian: python3-jsonschema; PyPI: jsonschema).
"""

import json
import sys


def json_path(parts):
    """`$.swaps[0].output` style path for the parts of a jsonschema error path."""
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += "[%d]" % part
        elif part.replace("_", "").replace("-", "").isalnum() and part.isascii():
            path += "." + part
        else:
            path += "[%s]" % json.dumps(part, ensure_ascii=False)
    return path


def load(path):
    with open(path, "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))


def main(argv):
    if len(argv) < 3:
        print("usage: validate-json.py SCHEMA FILE...", file=sys.stderr)
        return 2
    try:
        from jsonschema import Draft202012Validator
    except ImportError:
        print(
            "validate-json.py: the Python package jsonschema is missing; "
            "run scripts/install-deps.sh (or: pip install jsonschema)",
            file=sys.stderr,
        )
        return 2
    try:
        schema = load(argv[1])
        Draft202012Validator.check_schema(schema)
    except Exception as error:  # a schema we cannot use is a usage error, whatever the cause
        print("%s: not a usable schema: %s" % (argv[1], error), file=sys.stderr)
        return 2
    validator = Draft202012Validator(schema)
    status = 0
    for path in argv[2:]:
        try:
            document = load(path)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            print("%s: $: cannot read JSON: %s" % (path, error))
            status = 1
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
        if not errors:
            print("%s: ok" % path)
            continue
        status = 1
        for error in errors:
            print("%s: %s: %s" % (path, json_path(error.absolute_path), error.message))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
