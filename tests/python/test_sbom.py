"""SBOMs, OSV feeds, matching, findings and the watcher, on the shared public data."""

from __future__ import annotations

import datetime
import json
import threading
from pathlib import Path

import pytest

import rtguard
from conftest import CRITICAL_PYPI, SAFE_PYPI, need_shared, write_cyclonedx

PROTON = "cyclonedx-proton-bridge-1.8.0.json"
TRIVY_GRAFANA = (
    "spdx-trivy-grafana_grafana-sha256_"
    "2a73ae33c9f0c51af6eced2ef185d5d3682b4c378c4fdd6941a14e8ea4a3e95b.json"
)


@pytest.fixture(scope="module")
def go_matcher() -> rtguard.SbomMatcher:
    matcher = rtguard.SbomMatcher()
    stats = matcher.load_feed(need_shared("osv", "Go.zip"))
    assert stats.files == stats.records == 4291
    return matcher


@pytest.fixture(scope="module")
def pypi_matcher() -> rtguard.SbomMatcher:
    matcher = rtguard.SbomMatcher()
    matcher.load_feed(need_shared("osv", "PyPI.zip"))
    return matcher


def test_every_shared_sbom_loads_with_its_format_and_components():
    folder = need_shared("sbom")
    for path in sorted(folder.glob("*.json")):
        sbom = rtguard.Sbom.load(path)
        assert sbom.file == str(path)
        expected = rtguard.SbomFormat.spdx if path.name.startswith("spdx") else "cyclonedx"
        assert sbom.format == expected
        assert len(sbom) == len(sbom.components) > 100
        assert all(c.where.startswith("$.") for c in sbom.components)
        assert sbom.name


def test_a_cyclonedx_sbom_exposes_what_the_matcher_looks_up():
    sbom = rtguard.Sbom.load(need_shared("sbom", PROTON))

    assert sbom.spec_version == "1.2"
    assert sbom.name == "github.com/ProtonMail/proton-bridge"
    jwt = [c for c in sbom.components if c.name == "github.com/dgrijalva/jwt-go"][0]
    assert jwt.purl.startswith("pkg:golang/github.com/dgrijalva/jwt-go@v")
    assert jwt.ecosystem == "Go"
    assert jwt.match_name == "github.com/dgrijalva/jwt-go"
    assert not jwt.match_version.startswith("v"), "Go versions are compared without their 'v'"
    assert jwt.purl_error == ""


def test_an_spdx_sbom_names_its_operating_system():
    sbom = rtguard.Sbom.load(need_shared("sbom", TRIVY_GRAFANA))

    assert sbom.spec_version == "SPDX-2.2"
    assert (sbom.os.id, sbom.os.version) == ("alpine", "3.15.6")
    alpine = [c for c in sbom.components if c.ecosystem == "Alpine"]
    assert alpine and all(c.release == "v3.15" for c in alpine)


def test_a_go_application_matches_the_go_advisories(go_matcher):
    result = go_matcher.match(rtguard.Sbom.load(need_shared("sbom", PROTON)))

    assert result.components == 202
    ids = {f.id: f for f in result.findings}
    jwt = ids["CVE-2020-26160"]
    assert jwt.component.name == "github.com/dgrijalva/jwt-go"
    assert "GHSA-w73w-5m7g-f7qc" in jwt.aliases
    assert jwt.advisories and all(a.startswith("GO-") for a in jwt.advisories)
    assert jwt.published.startswith("20")

    d = jwt.to_dict()
    assert d["id"] == "CVE-2020-26160"
    assert d["component"] == jwt.component.to_dict()
    assert d["aliases"] == jwt.aliases
    json.dumps(d)  # JSON-ready, the severity included


def test_critical_pypi_findings_carry_score_and_fix(pypi_matcher, tmp_path: Path):
    sbom = rtguard.Sbom.load(write_cyclonedx(tmp_path / "app.json", [*CRITICAL_PYPI, SAFE_PYPI]))

    result = pypi_matcher.match(sbom, min_severity="critical", drop_unrated=True)

    critical = {f.component.purl: f for f in result.findings}
    assert len(critical) == len(result.findings)
    assert set(critical) == set(CRITICAL_PYPI)
    for purl, fixed in CRITICAL_PYPI.items():
        finding = critical[purl]
        assert finding.severity == rtguard.Severity.critical
        assert finding.score == 9.8
        assert finding.cvss_vector.startswith("CVSS:3.")
        assert fixed in finding.fixed_versions
        assert rtguard.score_cvss(finding.cvss_vector).base == finding.score
    assert SAFE_PYPI not in critical


def test_unrated_findings_stay_unless_dropped(pypi_matcher, tmp_path: Path):
    sbom = rtguard.Sbom.load(write_cyclonedx(tmp_path / "app.json", list(CRITICAL_PYPI)))

    kept = pypi_matcher.match(sbom, min_severity="high")
    dropped = pypi_matcher.match(sbom, min_severity="high", drop_unrated=True)

    assert any(f.severity == "unknown" for f in kept.findings)
    assert all(f.severity == "critical" for f in dropped.findings)
    assert dropped.filtered > kept.filtered


def test_since_keeps_only_advisories_published_after_it(pypi_matcher, tmp_path: Path):
    sbom = rtguard.Sbom.load(write_cyclonedx(tmp_path / "app.json", list(CRITICAL_PYPI)))
    everything = pypi_matcher.match(sbom).findings
    cut = "2024-01-01T00:00:00Z"

    for since in (cut, datetime.datetime(2024, 1, 1), datetime.date(2024, 1, 1), 1704067200):
        recent = pypi_matcher.match(sbom, since=since).findings
        assert {f.id for f in recent} == {f.id for f in everything if f.published > cut}
        assert 0 < len(recent) < len(everything)

    with pytest.raises(rtguard.Error):
        pypi_matcher.match(sbom, since="last tuesday")
    with pytest.raises(ValueError, match="since_field"):
        pypi_matcher.match(sbom, since=cut, since_field="created")


def test_the_findings_document_records_the_options(pypi_matcher, tmp_path: Path):
    sbom = rtguard.Sbom.load(write_cyclonedx(tmp_path / "app.json", list(CRITICAL_PYPI)))
    result = pypi_matcher.match(sbom, min_severity="critical")

    document = json.loads(result.to_json())
    assert document["format"] == "rtguard-findings"
    assert document["options"]["min_severity"] == "critical"
    assert len(document["findings"]) == len(result) == len(result.findings)
    sarif = json.loads(result.to_sarif())
    assert sarif["version"] == "2.1.0"


def test_malformed_feed_records_are_listed_with_member_and_place(pypi_matcher):
    problems = pypi_matcher.problems
    assert len(problems) >= 2
    for p in problems:
        assert p.file.endswith("PyPI.zip")
        assert p.member.endswith(".json")
        assert p.where.startswith("$.")
        assert p.message


def test_a_record_loads_from_memory_and_can_be_withdrawn():
    matcher = rtguard.SbomMatcher()
    record = {
        "schema_version": "1.6.0",
        "id": "PYSEC-0000-1",
        "modified": "2024-05-01T00:00:00Z",
        "published": "2024-04-01T00:00:00Z",
        "aliases": ["CVE-0000-0001"],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "example-pkg"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
            }
        ],
    }
    assert matcher.load_record(json.dumps(record), "memory.json")
    assert matcher.advisory_count == 1
    assert not matcher.withdrawn("CVE-0000-0001")
    sbom = rtguard.Sbom.parse(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.5",
                "components": [{"name": "example-pkg", "version": "1.5", "purl": "pkg:pypi/example-pkg@1.5"}],
            }
        ),
        "inline.json",
    )
    [finding] = matcher.match(sbom).findings
    assert (finding.id, finding.severity, finding.fixed_versions) == ("CVE-0000-0001", "high", ["2.0"])

    record["withdrawn"] = "2024-06-01T00:00:00Z"
    record["modified"] = "2024-06-01T00:00:00Z"
    assert matcher.load_record(json.dumps(record), "memory.json")
    assert matcher.withdrawn("PYSEC-0000-1")
    assert not matcher.load_record("{broken", "broken.json")
    assert matcher.problems[-1].file == "broken.json"


def test_a_missing_sbom_raises_file_not_found_with_its_name(tmp_path: Path):
    with pytest.raises(FileNotFoundError) as info:
        rtguard.Sbom.load(tmp_path / "absent.json")
    assert info.value.filename == str(tmp_path / "absent.json")


def test_a_broken_sbom_raises_naming_file_and_place(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text('{"bomFormat": "CycloneDX",\n "specVersion": "1.4",\n "components": [\n')

    with pytest.raises(rtguard.Error) as info:
        rtguard.Sbom.load(path)

    assert info.value.file == str(path)
    assert info.value.code == "parse_error"
    assert info.value.where


def test_an_sbom_of_an_unknown_spec_version_is_rejected():
    with pytest.raises(rtguard.SchemaError) as info:
        rtguard.Sbom.parse('{"bomFormat": "CycloneDX", "specVersion": "9.9", "components": []}', "x.json")
    assert info.value.file == "x.json"
    assert "9.9" in str(info.value)


def test_a_missing_feed_raises_file_not_found():
    with pytest.raises(FileNotFoundError):
        rtguard.SbomMatcher().load_feed("/nonexistent/osv.zip")


def test_threads_share_a_matcher_while_feeds_load(tmp_path: Path):
    feed = need_shared("osv", "crates.io.zip")
    sbom = rtguard.Sbom.load(write_cyclonedx(tmp_path / "app.json", list(CRITICAL_PYPI)))
    matcher = rtguard.SbomMatcher()
    matcher.load_feed(need_shared("osv", "PyPI.zip"))
    expected = [f.id for f in matcher.match(sbom).findings]
    results, errors = [], []

    def match_repeatedly():
        try:
            for _ in range(20):
                results.append([f.id for f in matcher.match(sbom).findings])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=match_repeatedly) for _ in range(3)]
    for t in threads:
        t.start()
    matcher.load_feed(feed)  # exclusive: matches wait for it, then see the bigger database
    for t in threads:
        t.join()

    assert errors == []
    assert len(results) == 60 and all(r == expected for r in results)


def test_the_watcher_reports_each_finding_once(pypi_matcher, tmp_path: Path):
    write_cyclonedx(tmp_path / "app.json", list(CRITICAL_PYPI))
    inventory = tmp_path / "inventory.json"
    inventory.write_text(
        json.dumps([{"image": "registry/app:1", "sbom": "app.json", "deployed_at": "2023-06-01T00:00:00Z"}])
    )
    watcher = rtguard.Watcher(pypi_matcher, tmp_path / "state.json")

    first = watcher.run(inventory, min_severity="critical", drop_unrated=True)
    second = watcher.run(
        rtguard.read_inventory(inventory), min_severity="critical", drop_unrated=True
    )

    assert len(first.new_findings) == len(CRITICAL_PYPI)
    assert first.exit_status() == 3
    assert {w.image for w in first.new_findings} == {"registry/app:1"}
    # Published after the deployment date: disclosed while the image was running.
    assert all(w.disclosed_after_deploy for w in first.new_findings)
    assert second.new_findings == [] and second.known == len(CRITICAL_PYPI)
    assert second.exit_status() == 0
    assert (tmp_path / "state.json").exists()
