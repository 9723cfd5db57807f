"""The Python examples run as a user would run them, on generated and real data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rtguard
from conftest import CRITICAL_PYPI, SAFE_PYPI, SOURCE_ROOT, need_shared, write_cyclonedx

EXAMPLES = SOURCE_ROOT / "examples" / "python"


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *map(str, args)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=600,
    )


@pytest.mark.parametrize("script", ["learn_and_detect.py", "critical_findings.py"])
def test_each_example_explains_itself_with_help(script):
    r = run(script, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage:")
    assert "Example:" in r.stdout


def test_learn_and_detect_prints_the_alerts_of_an_intrusion(training_file, attack_file, tmp_path):
    saved = tmp_path / "web.baseline.json"

    r = run("learn_and_detect.py", "--save-baseline", saved, "--json", training_file, attack_file)

    assert r.returncode == 1, r.stderr
    alerts = [json.loads(line) for line in r.stdout.splitlines()]
    assert {"unexpected_executable", "sensitive_read", "unexpected_network"} <= {
        a["rule"] for a in alerts
    }
    assert "learned" in r.stderr and "checked" in r.stderr
    assert len(rtguard.Baseline.load(saved)) == 1


def test_learn_and_detect_is_quiet_on_the_training_data_itself(training_file):
    r = run("learn_and_detect.py", training_file, training_file)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""


def test_learn_and_detect_reports_a_missing_file(tmp_path):
    r = run("learn_and_detect.py", tmp_path / "nope.jsonl", tmp_path / "nope.jsonl")
    assert r.returncode == 2
    assert "nope.jsonl" in r.stderr and "No such file" in r.stderr


def test_learn_and_detect_reads_tetragon_exports():
    trace = need_shared("traces", "tetragon", "events.json")
    r = run("learn_and_detect.py", "--tetragon", trace, trace)
    assert r.returncode == 0, r.stderr
    assert "learned 3 events into 3 profile(s)" in r.stderr


def test_critical_findings_prints_the_critical_advisories_with_their_fix(tmp_path):
    feed = need_shared("osv", "PyPI.zip")
    sbom = write_cyclonedx(tmp_path / "app.json", [*CRITICAL_PYPI, SAFE_PYPI])

    r = run("critical_findings.py", "--feed", feed, sbom)

    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == len(CRITICAL_PYPI)
    for purl, fixed in CRITICAL_PYPI.items():
        name_version = purl.removeprefix("pkg:pypi/")
        [line] = [line for line in lines if name_version in line]
        assert line.startswith("critical  9.8 ")
        assert f"(fixed: {fixed})" in line


def test_critical_findings_on_a_real_image_agrees_with_the_library():
    feed = need_shared("osv", "Go.zip")
    sbom = need_shared(
        "sbom",
        "spdx-syft-hashicorp_vault-sha256_"
        "7fb0065690177cbc1607d5222ef7f44ac20daa75dd146ed0549cd973dc62b264.json",
    )

    r = run("critical_findings.py", "--feed", feed, "--min-severity", "low", "--json", sbom)

    assert r.returncode in (0, 1), r.stderr
    printed = {(f["id"], f["component"]["name"]) for f in json.loads(r.stdout)}
    matcher = rtguard.SbomMatcher()
    matcher.load_feed(feed)
    result = matcher.match(rtguard.Sbom.load(sbom))
    rated = {(f.id, f.component.name) for f in result.findings if f.severity >= "low"}
    assert printed == rated
    assert (r.returncode == 1) == bool(printed)
    assert f"{len(rtguard.Sbom.load(sbom))} components" in r.stderr


def test_critical_findings_reports_a_broken_sbom(tmp_path):
    feed = need_shared("osv", "PyPI.zip")
    broken = tmp_path / "broken.json"
    broken.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [')

    r = run("critical_findings.py", "--feed", feed, broken)

    assert r.returncode == 2
    assert str(broken) in r.stderr
