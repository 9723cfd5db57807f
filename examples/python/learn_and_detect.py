#!/usr/bin/env python3
"""Learns a behavioral baseline from one recording and prints the alerts another raises.

Example:
    learn_and_detect.py --save-baseline web.baseline.json training.jsonl live.jsonl

Both files are rtguard replay files (JSON Lines) unless --tetragon says they are Tetragon
JSON exports. Alerts are printed one per line, or as Falco-style JSON Lines with --json.
The exit status is 0 when no alert was raised, 1 when some were, 2 on an error.
"""

from __future__ import annotations

import argparse
import sys

import rtguard


def open_source(path: str, tetragon: bool) -> rtguard.EventSource:
    return rtguard.TetragonSource(path) if tetragon else rtguard.ReplaySource(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("training", help="events of normal behaviour to learn from")
    parser.add_argument("detect", help="events to check against the learned baseline")
    parser.add_argument("--tetragon", action="store_true", help="the files are Tetragon exports")
    parser.add_argument("--save-baseline", metavar="FILE", help="also write the baseline here")
    parser.add_argument("--json", action="store_true", help="print alerts as JSON Lines")
    parser.add_argument(
        "--check-arguments", action="store_true", help="alert on new argument vectors too"
    )
    args = parser.parse_args(argv)

    try:
        # Learn: events are read and learned in batches, without becoming Python objects.
        baseline = rtguard.Baseline()
        training = open_source(args.training, args.tetragon)
        learned = baseline.learn(training)
        if args.save_baseline:
            baseline.save(args.save_baseline)
        print(
            f"learned {learned} events into {len(baseline)} profile(s)"
            f" ({training.counters.skipped} records skipped)",
            file=sys.stderr,
        )

        # Detect: each alert is printed as soon as it is raised.
        detector = rtguard.AnomalyDetector(check_arguments=args.check_arguments)
        detector.add(baseline)

        def show(alert: rtguard.Alert) -> None:
            if args.json:
                print(alert.to_json(), flush=True)
            else:
                print(f"{alert.severity:8} {alert.rule:24} {alert.workload} {alert.subject}")

        alerts = rtguard.monitor(open_source(args.detect, args.tetragon), detector, show)
    except (OSError, rtguard.Error) as e:
        print(f"learn_and_detect: {e}", file=sys.stderr)
        return 2

    stats = detector.stats
    print(
        f"checked {stats.events} events: {alerts} alert(s), {stats.suppressed} repeat(s) suppressed",
        file=sys.stderr,
    )
    return 1 if alerts else 0


if __name__ == "__main__":
    sys.exit(main())
