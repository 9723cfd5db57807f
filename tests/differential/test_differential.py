"""The differential version-ordering test as pytest cases, one per ecosystem."""
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_differential as diff  # noqa: E402

PAIRS = 1500
NAMES = ["debian", "rpm", "pep440", "maven", "semver", "go", "rubygems"]


@pytest.fixture(scope="module")
def rtguard():
    try:
        path = diff.find_rtguard()
    except SystemExit as e:
        pytest.skip(str(e))
    if not path.exists():
        pytest.skip(f"{path} is not built")
    return path


@pytest.mark.parametrize("name", NAMES)
def test_vercmp_agrees_with_the_reference_tool(rtguard, name):
    rng = random.Random(diff.DEFAULT_SEED)
    (scheme, pairs, reference), = [(s, p, r) for n, s, p, r in diff.ecosystems(rng, PAIRS)
                                   if n == name]
    try:
        expected = reference(pairs)
    except diff.Skip as e:
        pytest.skip(str(e))
    got = diff.rtguard_compare(rtguard, scheme, pairs)
    mismatches = [(a, b, e, g) for (a, b), e, g in zip(pairs, expected, got) if e != g]
    print(f"differential: {name}: {len(pairs)} compared, {len(mismatches)} mismatches")
    assert not mismatches, "\n".join(
        f"{a!r} vs {b!r}: reference {e or 'rejects'}, rtguard {g or 'rejects'}"
        for a, b, e, g in mismatches[:20])
