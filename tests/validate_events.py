#!/usr/bin/env python3
"""validate_events.py: test helper. Validates every line of kronos-tui JSON
lines files (events.jsonl, --json output) against doc/events.schema.json
with the jsonschema package (Debian: python3-jsonschema).

  validate_events.py SCHEMA FILE...

Checks the schema itself first. Prints "EVENT COUNT" for every event kind
seen over all FILEs (sorted by name); on the first invalid line prints
"FILE:LINE: event EVENT: at PATH: MESSAGE" and exits 1. Exits 77 when the
jsonschema package is missing, 2 on usage errors."""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("SKIP: the Python jsonschema package is missing (Debian package: python3-jsonschema)")
    sys.exit(77)


def main(argv):
    if len(argv) < 3:
        print("usage: validate_events.py SCHEMA FILE...", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    try:
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print("%s: not a valid JSON Schema: %s" % (argv[1], e.message))
        return 1
    validator = cls(schema)
    seen = {}
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    print("%s:%d: not JSON: %s" % (path, n, e))
                    return 1
                kind = obj.get("event") if isinstance(obj, dict) else None
                errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
                if errors:
                    e = errors[0]
                    where = "/".join(str(p) for p in e.absolute_path) or "(the line)"
                    print("%s:%d: event %s: at %s: %s" % (path, n, kind, where, e.message))
                    return 1
                seen[kind] = seen.get(kind, 0) + 1
    for kind in sorted(seen):
        print("%s %d" % (kind, seen[kind]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
