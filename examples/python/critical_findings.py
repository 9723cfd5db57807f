#!/usr/bin/env python3
"""Matches SBOMs against OSV advisory feeds and prints their critical findings.

Example:
    critical_findings.py --feed osv/Go.zip --feed osv/PyPI.zip image.spdx.json

Feeds are OSV JSON: a directory of records, an OSV all.zip or a single record. SBOMs are
CycloneDX or SPDX JSON. --min-severity lowers the bar (high, medium, ...); --since keeps only
advisories published after a date. The exit status is 0 when nothing at or above the bar was
found, 1 when something was, 2 on an error.
"""

from __future__ import annotations

import argparse
import json
import sys

import rtguard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sboms", nargs="+", metavar="SBOM", help="CycloneDX or SPDX JSON files")
    parser.add_argument(
        "--feed", action="append", required=True, help="OSV feed (repeatable): dir, zip or record"
    )
    parser.add_argument(
        "--min-severity",
        default="critical",
        choices=[s.value for s in rtguard.Severity if s not in ("unknown", "none")],
        help="lowest severity to print (default: critical)",
    )
    parser.add_argument("--since", metavar="DATE", help="only advisories published after DATE")
    parser.add_argument("--json", action="store_true", help="print findings as JSON")
    args = parser.parse_args(argv)

    try:
        # Loading releases the GIL; feeds could be loaded from several threads.
        matcher = rtguard.SbomMatcher()
        for feed in args.feed:
            stats = matcher.load_feed(feed)
            print(
                f"{feed}: {stats.records} advisories ({stats.skipped} skipped)", file=sys.stderr
            )

        found = []
        for path in args.sboms:
            sbom = rtguard.Sbom.load(path)
            result = matcher.match(
                sbom, min_severity=args.min_severity, drop_unrated=True, since=args.since
            )
            for finding in result.findings:
                found.append((path, finding))
            print(
                f"{path}: {len(sbom)} components, {len(result.findings)} finding(s) at "
                f"{args.min_severity} or above, {len(result.unmatched)} unmatched",
                file=sys.stderr,
            )
    except (OSError, rtguard.Error) as e:
        print(f"critical_findings: {e}", file=sys.stderr)
        return 2

    if args.json:
        print(json.dumps([dict(f.to_dict(), sbom=p) for p, f in found], indent=2))
    else:
        for path, f in found:
            fixed = ", ".join(f.fixed_versions) or "no fix"
            print(
                f"{f.severity:8} {f.score:4.1f} {f.id:20} {f.component.name}@"
                f"{f.installed_version} (fixed: {fixed})  [{path}]"
            )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
