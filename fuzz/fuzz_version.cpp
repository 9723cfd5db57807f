// libFuzzer harness: valid_version and compare_versions for every VersionScheme.
//
// Input: the first byte picks the scheme (byte % 10 in VersionScheme order; the seeds use 'd'
// for debian through 'm' for packagist), the rest is up to three versions separated by
// newlines. Whatever the text, the ordering must be reflexive and antisymmetric in sign, and
// transitive for every scheme but Maven's (see below); and a version compares exactly when
// valid_version accepts it.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "rtguard/error.hpp"
#include "rtguard/version.hpp"

namespace {

constexpr int scheme_count = static_cast<int>(rtguard::VersionScheme::packagist) + 1;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtguard;
    if (size == 0) return 0;
    auto scheme = static_cast<VersionScheme>(data[0] % scheme_count);
    std::string_view rest = fuzz::as_text(data + 1, size - 1);

    std::vector<std::string_view> versions;
    while (versions.size() < 2) {
        auto nl = rest.find('\n');
        if (nl == std::string_view::npos) break;
        versions.push_back(rest.substr(0, nl));
        rest.remove_prefix(nl + 1);
    }
    versions.push_back(rest);

    // Validity agrees with comparability, and a valid version equals itself.
    std::vector<std::string_view> valid;
    for (std::string_view v : versions) {
        std::string why;
        bool ok = valid_version(scheme, v, &why);
        RTGUARD_FUZZ_CHECK(ok == why.empty(), "a rejection says why");
        try {
            int self = compare_versions(scheme, v, v);
            RTGUARD_FUZZ_CHECK(ok, "compared a version valid_version rejects");
            RTGUARD_FUZZ_CHECK(self == 0, "a version equals itself");
        } catch (const Error& e) {
            RTGUARD_FUZZ_CHECK(!ok, std::string("refused a valid version: ") + e.what());
            RTGUARD_FUZZ_CHECK(e.code() == errc::bad_version, "errors are bad_version");
        }
        if (ok) valid.push_back(v);
    }

    // Sign antisymmetry of every pair, then transitivity of the triple.
    auto cmp = [&](std::string_view a, std::string_view b) {
        int r = compare_versions(scheme, a, b);
        RTGUARD_FUZZ_CHECK(r >= -1 && r <= 1, "compare returns -1, 0 or 1");
        return r;
    };
    for (std::size_t i = 0; i < valid.size(); ++i) {
        for (std::size_t j = i + 1; j < valid.size(); ++j) {
            RTGUARD_FUZZ_CHECK(cmp(valid[i], valid[j]) == -cmp(valid[j], valid[i]),
                               "compare(a, b) == -compare(b, a)");
        }
    }
    // Maven's ComparableVersion is not transitive where a string item meets a list item
    // ("1.N-S0APSHOT" > "1.0.RELEASE" > "1-alpha-2", yet "1.N-S0APSHOT" < "1-alpha-2" in
    // maven-artifact 3.8): rtguard follows Maven, so only the pairwise checks hold there.
    if (valid.size() == 3 && scheme != VersionScheme::maven) {
        std::array<std::size_t, 3> idx{0, 1, 2};
        do {
            std::string_view a = valid[idx[0]], b = valid[idx[1]], c = valid[idx[2]];
            int ab = cmp(a, b), bc = cmp(b, c), ac = cmp(a, c);
            if (ab <= 0 && bc <= 0) {
                RTGUARD_FUZZ_CHECK(ac <= 0, "a <= b and b <= c imply a <= c");
                if (ab == 0 && bc == 0) RTGUARD_FUZZ_CHECK(ac == 0, "equality is transitive");
                if (ab < 0 || bc < 0) RTGUARD_FUZZ_CHECK(ac < 0, "a < c when a < b <= c");
            }
        } while (std::next_permutation(idx.begin(), idx.end()));
    }
    return 0;
}
