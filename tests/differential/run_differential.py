#!/usr/bin/python3
"""Differential test of `rtguard vercmp` against each ecosystem's reference tool.

For every ecosystem whose reference is installed, generates many random but realistic
version pairs (close variants of one another, so the interesting rules are exercised, plus
some malformed versions), asks the reference and rtguard, and compares the answers: the
order, and whether the version is accepted at all. Prints one line per ecosystem,
"differential: ECOSYSTEM: N compared, M mismatches", and exits non-zero on any mismatch.

References: dpkg --compare-versions (debian), rpm's Lua rpm.vercmp (rpm), Python's
packaging.version (pep440), maven-artifact's ComparableVersion (maven), node's semver
package (semver and go), and Ruby's Gem::Version (rubygems) when ruby is installed.
An ecosystem whose reference is absent is skipped with a message saying what to install.
"""
import argparse
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
NPM_DIR = ROOT / "tests" / ".cache" / "npm"
DEFAULT_SEED = 20240601


class Skip(Exception):
    """The reference tool for an ecosystem is not available."""


# ---------------------------------------------------------------------------------------
# rtguard


def find_rtguard():
    if os.environ.get("RTGUARD_BIN"):
        return Path(os.environ["RTGUARD_BIN"])
    if os.environ.get("RTGUARD_BUILD"):
        return Path(os.environ["RTGUARD_BUILD"]) / "examples" / "rtguard" / "rtguard"
    candidates = sorted(ROOT.glob("build*/examples/rtguard/rtguard"),
                        key=lambda p: p.stat().st_mtime, reverse=True)
    if not candidates:
        sys.exit("differential: no rtguard binary; build it or set RTGUARD_BIN")
    return candidates[0]


def rtguard_compare(rtguard, scheme, pairs):
    """'<', '=', '>' or None (rejected) for each pair, from one `vercmp --batch` run."""
    text = "".join(f"{a}\t{b}\n" for a, b in pairs)
    r = subprocess.run([str(rtguard), "vercmp", scheme, "--batch"], input=text,
                       capture_output=True, text=True, timeout=600)
    lines = r.stdout.splitlines()
    if len(lines) != len(pairs):
        sys.exit(f"differential: rtguard vercmp {scheme} --batch gave {len(lines)} answers "
                 f"for {len(pairs)} pairs: {r.stderr.strip()}")
    answers = [None if line.startswith("error:") else line for line in lines]

    # The one-pair form must say the same (exit 0 and the symbol, or exit 2 when rejected);
    # a sample of pairs is enough, one process each.
    for (a, b), answer in list(zip(pairs, answers))[::max(1, len(pairs) // 25)]:
        one = subprocess.run([str(rtguard), "vercmp", scheme, "--", a, b],
                             capture_output=True, text=True, timeout=60)
        single = one.stdout.strip() if one.returncode == 0 else None
        if single != answer or one.returncode not in (0, 2):
            sys.exit(f"differential: rtguard vercmp {scheme} {a!r} {b!r} gave "
                     f"{one.returncode}/{one.stdout.strip()!r}, --batch gave {answer!r}")
    return answers


def sign_symbol(n):
    return "<" if n < 0 else ">" if n > 0 else "="


# ---------------------------------------------------------------------------------------
# Generators: a base version and close variants of it.


def pick(rng, *choices):
    return rng.choice(choices)


def num(rng, hi=20):
    return str(rng.choice([0, 0, 1, 1, 2, 3, 5, 9, 10, 11, 12, 99, 100, rng.randint(0, hi),
                           rng.randint(0, 20231231)]) if rng.random() < 0.97 else
               rng.randint(10**19, 10**25))


def numbers(rng, lo=1, hi=4):
    return ".".join(num(rng) for _ in range(rng.randint(lo, hi)))


def gen_debian(rng):
    up = numbers(rng, 1, 4)
    if rng.random() < 0.3:
        up += pick(rng, "~rc1", "~beta2", "~~", "~", "+dfsg", "+dfsg1", "+git20200101.abc",
                   "a", "b", "+really1.2", ".0", "+ds-1", "~pre1+git")
    if rng.random() < 0.1:
        up += pick(rng, "rc1", "p2", "~1", "+b1", ":1")
    v = up
    if rng.random() < 0.7:
        v += "-" + pick(rng, "1", "2", "0", "1ubuntu1", "1ubuntu0.22.04.1", "2+deb11u1",
                        "1~bpo10+1", "3+b1", "1build1", "10", "0.1", "1~exp1", "a", "+1")
    if rng.random() < 0.12:
        v = pick(rng, "1", "2", "0", "10", "01") + ":" + v
    return v


def bad_debian(rng):
    return pick(rng, "a1.0", "1.0-", ":1.0", "x:1.0", "1:", "1.0 1", "1.0-1_2", "-1",
                "1.0-a$b", "1@0")


def gen_rpm(rng, release):
    v = numbers(rng, 1, 4)
    if rng.random() < 0.3:
        v += pick(rng, "~rc1", "~beta", "^git20200101.abc", "^", "a", "b", "p1", "_1", ".rc1",
                  "~rc1^post1", "~~")
    if release:
        v += "-" + pick(rng, "1.el9", "2.el9_1", "1.el8_6.3", "0.1.rc1.fc38", "1",
                        "3.module+el8.5.0+123+abcd", "1.el9.1", "10.el7", "1.el7_9", "5",
                        "1.fc39", "0.2.beta.fc38", "1^1", "1~1")
    if rng.random() < 0.15:
        v = pick(rng, "0", "1", "2", "3", "10") + ":" + v
    return v


def gen_pep440(rng):
    v = numbers(rng, 1, 4)
    if rng.random() < 0.1:
        v = pick(rng, "1", "2", "0") + "!" + v
    if rng.random() < 0.35:
        v += pick(rng, "a", "b", "rc", "c", "alpha", "beta", "pre", "preview", ".a", "-b",
                  "_rc", ".RC", "A") + pick(rng, "", "0", "1", "2", "10", ".1", "-3")
    if rng.random() < 0.25:
        v += pick(rng, ".post", "-post", "post", ".r", "-rev", ".POST", "-") + \
            pick(rng, "1", "2", "0", "")
        if v.endswith("-"):
            v += "1"
    if rng.random() < 0.25:
        v += pick(rng, ".dev", "dev", "-dev", "_dev", ".DEV") + pick(rng, "", "0", "1", "5")
    if rng.random() < 0.15:
        v += "+" + pick(rng, "local", "ubuntu.1", "1", "abc.5", "1.abc", "2", "a-b_c",
                        "cpu", "cu118")
    if rng.random() < 0.05:
        v = pick(rng, "v", "V", " ") + v
    return v


def bad_pep440(rng):
    return pick(rng, "1.0-foo", "1..0", "1.0+", "1.0+a..b", "foo", "1.0.x", "1.0-beta-1-2",
                "1.0+a+b", "", "1!", "1.0a1b2", "1.0.post1.post2", "1.0dev1dev2")


MAVEN_QUALIFIERS = ["alpha", "beta", "milestone", "rc", "cr", "snapshot", "SNAPSHOT", "ga",
                    "GA", "final", "Final", "release", "RELEASE", "sp", "a", "b", "m", "jre",
                    "android", "foo", "bar", "M", "RC", "redhat", "incubating", "Beta"]


def gen_maven(rng):
    v = numbers(rng, 1, 4)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        sep = pick(rng, "-", ".", "", "-", ".")
        part = pick(rng, *MAVEN_QUALIFIERS)
        if rng.random() < 0.5:
            part += pick(rng, "", "1", "2", "10", "-1", ".1", "-SNAPSHOT", "0")
        v += sep + part
    if rng.random() < 0.2:
        v += pick(rng, "-1", "-2", ".0", "-0", "-01", ".0.0", "-", ".")
    if rng.random() < 0.05:
        v = "0" + v
    return v


def gen_semver(rng):
    v = f"{num(rng, 5)}.{num(rng, 5)}.{num(rng, 5)}"
    if rng.random() < 0.45:
        ids = [pick(rng, "alpha", "beta", "rc", "0", "1", "2", "11", "x-y", "1a", "a1", "pre",
                    "SNAPSHOT", "Alpha", "-") for _ in range(rng.randint(1, 3))]
        v += "-" + ".".join(ids)
    if rng.random() < 0.15:
        v += "+" + pick(rng, "build.1", "001", "sha.abc", "x")
    return v


BAD_SEMVER = ["01.2.3", "1.2", "1.2.3-", "1.2.3-01", "1.2.3+", "1.2.3.4", "1.2.3-a..b",
              "1.2.3-a_b", "a.b.c", "1.2.3+a..b"]


def bad_semver(rng):
    return rng.choice(BAD_SEMVER)


def gen_go(rng):
    base = f"{num(rng, 5)}.{num(rng, 5)}.{num(rng, 5)}"
    r = rng.random()
    if r < 0.25:
        ts = f"{rng.randint(2018, 2024)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
             f"{rng.randint(0, 235959):06d}"
        sha = "".join(rng.choice("0123456789abcdef") for _ in range(12))
        v = pick(rng, f"0.0.0-{ts}-{sha}", f"{base}-0.{ts}-{sha}",
                 f"{base}-pre.0.{ts}-{sha}")
    elif r < 0.5:
        v = base + "-" + pick(rng, "rc.1", "rc.2", "beta", "alpha.1", "pre", "0", "rc1")
    else:
        v = base
    if rng.random() < 0.15:
        v += "+incompatible"
    return "v" + v if rng.random() < 0.8 else v


def gen_rubygems(rng):
    v = numbers(rng, 1, 4)
    if rng.random() < 0.35:
        v += pick(rng, ".pre", ".beta", ".rc", ".a", ".b", ".alpha", "-rc.1", "-beta", ".x",
                  ".Z", ".pre.1") + pick(rng, "", "1", "2", ".1", "0")
    if rng.random() < 0.15:
        v += pick(rng, ".0", ".0.0", ".1")
    return v


def bad_rubygems(rng):
    return pick(rng, "1beta", "1..2", "a1", "1.2-", "1.2.", "1.2!", "1.2 3")


def variant(rng, gen, base):
    """Another version near `base`: either a fresh one or `base` with one change."""
    if rng.random() < 0.4:
        return gen(rng)
    if rng.random() < 0.15:
        return base
    other = gen(rng)
    # Splice: common prefix of base, tail of another version.
    cut = rng.randint(0, len(base))
    cut2 = rng.randint(0, len(other))
    return base[:cut] + other[cut2:] if rng.random() < 0.5 else other


def make_pairs(rng, n, gen, bad=None, keep=lambda v: True):
    pairs = []
    while len(pairs) < n:
        a = gen(rng)
        b = variant(rng, gen, a)
        if bad and rng.random() < 0.04:
            if rng.random() < 0.5:
                a = bad(rng)
            else:
                b = bad(rng)
        if keep(a) and keep(b):
            pairs.append((a, b))
    return pairs


def no_whitespace(v):
    return v != "" and not any(c.isspace() for c in v)


MAX_SAFE_INTEGER = 2**53 - 1


def node_comparable(v):
    """node's semver refuses numbers above 2^53-1 (and compares such prerelease numbers as
    text); rtguard compares them exactly, as SemVer and Go do. Go's vMAJOR[.MINOR]
    shorthands are not node versions either. Pairs with those are left out."""
    core = v[1:] if v.startswith("v") else v
    core = core.split("+", 1)[0]
    main, _, pre = core.partition("-")
    parts = main.split(".")
    if len(parts) != 3:
        return False
    ids = parts + (pre.split(".") if pre else [])
    return all(not i.isdigit() or int(i) <= MAX_SAFE_INTEGER for i in ids)


# ---------------------------------------------------------------------------------------
# References. Each returns '<', '=', '>' or None (the reference rejects a version).


def ref_debian(pairs):
    if not shutil.which("dpkg"):
        raise Skip("dpkg is not installed")
    # One shell runs every comparison; dpkg's exit status gives the order. A version dpkg
    # only warns about (for example one not starting with a digit) counts as rejected,
    # since dpkg refuses it in package metadata.
    script = ["cmp() {",
              "  if ! err=$(dpkg --compare-versions \"$1\" lt \"$2\" 2>&1); then",
              "    [ -n \"$err\" ] && { echo bad; return; }",
              "    if dpkg --compare-versions \"$1\" eq \"$2\" 2>/dev/null; then echo '=';"
              " else echo '>'; fi",
              "  else [ -n \"$err\" ] && echo bad || echo '<'; fi",
              "}"]
    for a, b in pairs:
        script.append(f"cmp {shq(a)} {shq(b)}")
    r = subprocess.run(["sh", "-s"], input="\n".join(script) + "\n", capture_output=True,
                       text=True, timeout=1200)
    out = r.stdout.split()
    if len(out) != len(pairs):
        raise RuntimeError(f"dpkg gave {len(out)} answers for {len(pairs)} pairs")
    return [None if o == "bad" else o for o in out]


def shq(s):
    return "'" + s.replace("'", "'\\''") + "'"


def ref_rpm(pairs):
    if not shutil.which("rpm"):
        raise Skip("rpm is not installed (apt-get install rpm)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("local pairs = {\n")
        for a, b in pairs:
            f.write(f"  {{{lua_str(a)}, {lua_str(b)}}},\n")
        f.write("}\nfor _, p in ipairs(pairs) do\n"
                "  local ok, r = pcall(rpm.vercmp, p[1], p[2])\n"
                "  if ok then print(tostring(r) .. '\\n') else print('bad\\n') end\n"
                "end\n")
        path = f.name
    try:
        r = subprocess.run(["rpm", "--eval", f'%{{lua: dofile("{path}")}}'],
                           capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(path)
    out = r.stdout.split()
    if len(out) != len(pairs):
        raise RuntimeError(f"rpm gave {len(out)} answers for {len(pairs)} pairs: {r.stderr}")
    return [None if o == "bad" else sign_symbol(int(o)) for o in out]


def lua_str(s):
    return '"' + "".join(c if c.isalnum() or c in ".-_~^:+ " else f"\\{ord(c)}"
                         for c in s) + '"'


def ref_pep440(pairs):
    try:
        from packaging.version import InvalidVersion, Version
    except ImportError:
        raise Skip("python3 packaging is not installed (apt-get install python3-packaging)")

    def parse(v):
        try:
            return Version(v)
        except InvalidVersion:
            return None

    out = []
    for a, b in pairs:
        va, vb = parse(a), parse(b)
        if va is None or vb is None:
            out.append(None)
        else:
            out.append("<" if va < vb else ">" if va > vb else "=")
    return out


def ref_maven(pairs):
    jars = sorted(glob.glob("/usr/share/maven/lib/maven-artifact-3.*.jar"))
    if not jars or not shutil.which("java"):
        raise Skip("maven-artifact or java is missing (apt-get install maven)")
    # ComparableVersion's main compares each argument with the next: pass a1 b1 a2 b2 ...
    # and read every other comparison.
    out = []
    for start in range(0, len(pairs), 500):
        chunk = pairs[start:start + 500]
        args = [v for pair in chunk for v in pair]
        r = subprocess.run(["java", "-cp", jars[-1],
                            "org.apache.maven.artifact.versioning.ComparableVersion", *args],
                           capture_output=True, text=True, timeout=600)
        results = [line.split()[1] for line in r.stdout.splitlines()
                   if line.startswith("   ") and len(line.split()) == 3]
        if len(results) != len(args) - 1:
            raise RuntimeError(f"ComparableVersion gave {len(results)} comparisons")
        out += ["=" if s == "==" else s for s in results[0::2]]
    return out


def node_semver():
    if not shutil.which("node"):
        raise Skip("node is not installed")
    module = NPM_DIR / "node_modules" / "semver"
    if not module.exists():
        if not shutil.which("npm"):
            raise Skip("node's semver package is missing and npm is not installed")
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["npm", "install", "--prefix", str(NPM_DIR), "--no-audit",
                            "--no-fund", "semver@7"], capture_output=True, text=True,
                           timeout=300)
        if r.returncode != 0 or not module.exists():
            raise Skip(f"could not install node's semver into {NPM_DIR}: "
                       f"{r.stderr.strip()[-200:]}")
    return module


NODE_COMPARE = """
const semver = require(process.argv[1]);
const pairs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = pairs.map(([a, b]) => {
  const ok = (v) => semver.valid(v) !== null && !/^[v=\\s]/.test(v);
  if (!ok(a) || !ok(b)) return null;
  const r = semver.compare(a, b);
  return r < 0 ? '<' : r > 0 ? '>' : '=';
});
process.stdout.write(JSON.stringify(out));
"""


def ref_semver(pairs):
    module = node_semver()
    r = subprocess.run(["node", "-e", NODE_COMPARE, str(module)], input=json.dumps(pairs),
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"node failed: {r.stderr}")
    return json.loads(r.stdout)


def ref_go(pairs):
    # Go orders module versions as SemVer, ignoring the 'v' and build metadata such as
    # +incompatible, so node's semver is the reference once the 'v' is removed.
    strip = [(a[1:] if a.startswith("v") else a, b[1:] if b.startswith("v") else b)
             for a, b in pairs]
    return ref_semver(strip)


RUBY_COMPARE = """
require 'json'
pairs = JSON.parse(STDIN.read)
out = pairs.map do |a, b|
  if Gem::Version.correct?(a) && Gem::Version.correct?(b) && !a.strip.empty? && !b.strip.empty?
    r = Gem::Version.new(a) <=> Gem::Version.new(b)
    r < 0 ? '<' : r > 0 ? '>' : '='
  end
end
print JSON.generate(out)
"""


def ref_rubygems(pairs):
    if not shutil.which("ruby"):
        raise Skip("ruby is not installed (apt-get install ruby)")
    r = subprocess.run(["ruby", "-e", RUBY_COMPARE], input=json.dumps(pairs),
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"ruby failed: {r.stderr}")
    return json.loads(r.stdout)


# ---------------------------------------------------------------------------------------


def ecosystems(rng, n):
    """(name, rtguard scheme, pairs, reference) for each ecosystem."""
    half = n // 2
    rpm_pairs = (make_pairs(rng, half, lambda r: gen_rpm(r, True), keep=no_whitespace) +
                 make_pairs(rng, n - half, lambda r: gen_rpm(r, False), keep=no_whitespace))
    return [
        # dpkg's command line takes "" as the earliest version; it is no version at all.
        ("debian", "Debian:12", make_pairs(rng, n, gen_debian, bad_debian,
                                           keep=lambda v: v != ""), ref_debian),
        ("rpm", "AlmaLinux:9", rpm_pairs, ref_rpm),
        ("pep440", "PyPI", make_pairs(rng, n, gen_pep440, bad_pep440,
                                      keep=lambda v: "\t" not in v and v.strip() == v),
         ref_pep440),
        ("maven", "Maven", make_pairs(rng, n, gen_maven, keep=no_whitespace), ref_maven),
        ("semver", "npm", make_pairs(rng, n, gen_semver, bad_semver,
                                     keep=lambda v: node_comparable(v) or v in BAD_SEMVER),
         ref_semver),
        ("go", "Go", make_pairs(rng, n, gen_go, keep=node_comparable), ref_go),
        ("rubygems", "RubyGems", make_pairs(rng, n, gen_rubygems, bad_rubygems,
                                            keep=no_whitespace), ref_rubygems),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=3000, help="pairs per ecosystem")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--only", action="append", help="run only these ecosystems")
    ap.add_argument("--show", type=int, default=20, help="mismatches to print per ecosystem")
    args = ap.parse_args()

    rtguard = find_rtguard()
    rng = random.Random(args.seed)
    total_mismatches = 0
    for name, scheme, pairs, reference in ecosystems(rng, args.pairs):
        if args.only and name not in args.only:
            continue
        try:
            expected = reference(pairs)
        except Skip as e:
            print(f"differential: {name}: skipped: {e}")
            continue
        got = rtguard_compare(rtguard, scheme, pairs)
        mismatches = [(p, e, g) for p, e, g in zip(pairs, expected, got) if e != g]
        rejected = sum(1 for e in expected if e is None)
        print(f"differential: {name}: {len(pairs)} compared, {len(mismatches)} mismatches "
              f"({rejected} pairs with a version the reference rejects)")
        for (a, b), e, g in mismatches[:args.show]:
            print(f"  {name}: {a!r} vs {b!r}: reference {e or 'rejects'}, "
                  f"rtguard {g or 'rejects'}")
        total_mismatches += len(mismatches)
    return 1 if total_mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
