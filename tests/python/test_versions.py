"""Version ordering (against python's packaging for PEP 440), package URLs and CVSS."""

from __future__ import annotations

import json
import random
import re

import pytest
from packaging.version import InvalidVersion, Version

import rtguard
from conftest import need_shared

# Pairs covering every part of PEP 440: epochs, pre/post/dev releases, local versions,
# normalization of spelling, implicit zeros.
PEP440_PAIRS = [
    ("1.0", "1.0.0"),
    ("1.0", "1.0.post1"),
    ("1.0.dev1", "1.0a1"),
    ("1.0a1", "1.0b1"),
    ("1.0b2", "1.0rc1"),
    ("1.0rc1", "1.0"),
    ("1.0c1", "1.0rc1"),
    ("1.0.post1.dev1", "1.0.post1"),
    ("1.0.post1", "1.0.post2"),
    ("1!0.1", "2.0"),
    ("1!1.0", "2!0.1"),
    ("1.0+local", "1.0"),
    ("1.0+local.1", "1.0+local.a"),
    ("1.0+abc.5", "1.0+abc.10"),
    ("1.0+5", "1.0+abc"),
    ("1.0a", "1.0a0"),
    ("1.0-1", "1.0.post1"),
    ("1.0.RC1", "1.0rc1"),
    ("v1.0", "1.0"),
    ("1.0.0.0.0", "1.0"),
    ("2.0.dev0", "2.0a0.dev0"),
    ("1.10", "1.9"),
    ("0.9.9", "0.10"),
    ("1.2.3", "1.2.3.post0.dev0"),
    ("1.2.3a1.post2", "1.2.3a1.post10"),
    ("2024.1", "2023.12.31"),
    ("1.0.dev456", "1.0a12.dev456"),
    ("1.1.dev1", "1.0.post456"),
]


def sign(n: int) -> int:
    return (n > 0) - (n < 0)


def packaging_compare(a: str, b: str) -> int:
    va, vb = Version(a), Version(b)
    return (va > vb) - (va < vb)


@pytest.mark.parametrize("a,b", PEP440_PAIRS)
def test_pep440_order_matches_packaging(a, b):
    expected = packaging_compare(a, b)
    assert rtguard.compare_versions("PyPI", a, b) == expected
    assert rtguard.compare_versions("PyPI", b, a) == -expected
    assert rtguard.compare_versions("pep440", a, b) == expected
    assert rtguard.compare_versions(rtguard.VersionScheme.pep440, a, b) == expected


def test_pep440_order_matches_packaging_on_the_generated_corpus():
    path = need_shared("versions", "pypi-versions-generated.txt")
    versions = set()
    for line in path.read_text().splitlines():
        m = re.match(r"^(\S+) [<>=] (\S+)$", line)
        if m:
            versions.update(m.groups())
    parsed = []
    for v in sorted(versions):
        try:
            Version(v)
        except InvalidVersion:
            continue
        parsed.append(v)
    assert len(parsed) > 1000

    rng = random.Random(440)
    pairs = [tuple(rng.sample(parsed, 2)) for _ in range(5000)]
    ordered = sorted(parsed, key=Version)
    pairs += list(zip(ordered, ordered[1:]))
    mismatches = [
        (a, b, rtguard.compare_versions("PyPI", a, b), packaging_compare(a, b))
        for a, b in pairs
        if rtguard.compare_versions("PyPI", a, b) != packaging_compare(a, b)
    ]
    assert mismatches == []


def test_sorting_with_version_key_agrees_with_packaging():
    versions = ["1.0.post1", "1.0", "1.0a1", "0.9", "1!0.1", "1.0.dev0", "1.0rc1", "1.0+b"]
    assert sorted(versions, key=rtguard.version_key("PyPI")) == sorted(versions, key=Version)


@pytest.mark.parametrize(
    "ecosystem,a,b,expected",
    [
        ("Debian:12", "1:1.0", "2.0", 1),
        ("Debian", "1.0~rc1", "1.0", -1),
        ("Ubuntu:22.04", "2.36-0ubuntu4", "2.36-0ubuntu10", -1),
        ("Alpine:v3.18", "1.2.3-r1", "1.2.3-r10", -1),
        ("npm", "1.0.0-alpha", "1.0.0", -1),
        ("crates.io", "1.0.0+build", "1.0.0", 0),
        ("Go", "1.2.3", "1.10.0", -1),
        ("AlmaLinux:9", "1:2.0-1.el9", "2.0-1.el9", 1),
        ("Maven", "1.0-SNAPSHOT", "1.0", -1),
        ("RubyGems", "1.0.0.pre", "1.0.0", -1),
    ],
)
def test_ecosystems_order_by_their_own_rules(ecosystem, a, b, expected):
    assert rtguard.compare_versions(ecosystem, a, b) == expected


def test_an_unparsable_version_raises_version_error_naming_it():
    with pytest.raises(rtguard.VersionError) as info:
        rtguard.compare_versions("PyPI", "1.0", "not a version")

    error = info.value
    assert isinstance(error, rtguard.Error) and isinstance(error, ValueError)
    assert error.code == "bad_version"
    assert "not a version" in str(error)
    assert not rtguard.valid_version("PyPI", "not a version")
    assert rtguard.valid_version("PyPI", "1.0.post1")


def test_an_unknown_ecosystem_is_a_value_error():
    with pytest.raises(ValueError, match="unknown ecosystem"):
        rtguard.compare_versions("Atlantis", "1", "2")


def test_ecosystems_and_purl_types_name_their_scheme():
    assert rtguard.scheme_for_ecosystem("PyPI") == rtguard.VersionScheme.pep440
    assert rtguard.scheme_for_ecosystem("Debian:12") == "debian"
    assert rtguard.scheme_for_ecosystem("crates.io") == "semver"
    assert rtguard.scheme_for_ecosystem("Atlantis") is None
    assert rtguard.scheme_for_purl_type("deb") == "debian"
    assert rtguard.scheme_for_purl_type("golang") == "go"


def purl_parse_cases():
    """(file name, case, canonical form a "validate" case gives for the same input or None)."""
    root = need_shared("purl", "tests")
    for path in sorted((root / "types").glob("*.json")) + [root / "spec" / "specification-test.json"]:
        cases = json.loads(path.read_text())["tests"]
        validated = {
            c["input"]: c["expected_output"]
            for c in cases
            if c["test_type"] == "validate" and not c.get("expected_failure")
        }
        for case in cases:
            if case["test_type"] == "parse":
                yield path.name, case, validated.get(case["input"])


def test_purls_parse_as_the_specification_test_suite_says():
    failures = []
    count = 0
    for name, case, canonical in purl_parse_cases():
        count += 1
        text = case["input"]
        if case.get("expected_failure") and canonical is not None:
            # The suite also says, in a "validate" case, that this input (an upper-case
            # qualifier key) normalizes; the specification's text makes keys case-insensitive.
            if str(rtguard.Purl(text)) != canonical:
                failures.append((name, text, str(rtguard.Purl(text)), canonical))
            continue
        if case.get("expected_failure"):
            try:
                rtguard.Purl(text)
            except rtguard.PurlError:
                continue
            failures.append((name, text, "parsed but should fail"))
            continue
        expected = case["expected_output"]
        try:
            purl = rtguard.Purl(text)
        except rtguard.PurlError as e:
            failures.append((name, text, str(e)))
            continue
        got = {
            "type": purl.type,
            "namespace": purl.namespace or None,
            "name": purl.name,
            "version": purl.version or None,
            "qualifiers": purl.qualifiers or None,
            "subpath": purl.subpath or None,
        }
        if got != {k: expected.get(k) for k in got}:
            failures.append((name, text, got))
    assert count > 100
    assert failures == []


def test_purls_normalize_compare_and_hash_by_their_canonical_form():
    a = rtguard.Purl("pkg:PYPI/Django_Package@1.0?b=2&a=1#sub/path")

    assert str(a) == "pkg:pypi/django-package@1.0?a=1&b=2#sub/path"
    assert a.qualifiers == {"a": "1", "b": "2"}
    assert a.qualifier("b") == "2" and a.qualifier("zzz") == ""
    assert a == rtguard.Purl.parse(str(a))
    assert len({a, rtguard.Purl(str(a))}) == 1
    with pytest.raises(rtguard.PurlError) as info:
        rtguard.Purl("EnterpriseLibrary.Common@6.0.1304")
    assert info.value.code == "bad_purl"


def cvss_cases(name: str):
    path = need_shared("cvss", name)
    for line in path.read_text().splitlines():
        m = re.match(r"^(\S+) - \(([\d.]+)", line)
        if m:
            yield m.group(1), float(m.group(2))


@pytest.mark.parametrize("name", ["vectors_simple3", "vectors_simple31", "vectors_simple4"])
def test_cvss_base_scores_match_the_reference_vectors(name):
    cases = list(cvss_cases(name))
    assert cases
    wrong = [(v, s, rtguard.score_cvss(v).base) for v, s in cases if rtguard.score_cvss(v).base != s]
    assert wrong == []


def test_a_cvss_score_carries_version_and_rating():
    score = rtguard.score_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    assert (score.version, score.base, score.severity) == ("3.1", 9.8, rtguard.Severity.critical)

    v2 = rtguard.score_cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P")
    assert (v2.version, v2.base) == ("2.0", 7.5)

    with pytest.raises(rtguard.CvssError) as info:
        rtguard.score_cvss("CVSS:3.1/AV:X/AC:L")
    assert info.value.code == "bad_vector"
