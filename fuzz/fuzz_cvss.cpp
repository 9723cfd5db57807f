// libFuzzer harness: score_cvss (CVSS v2, v3.0, v3.1 and v4.0 vectors).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "rtguard/cvss.hpp"
#include "rtguard/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtguard;

    CvssScore score;
    try {
        score = score_cvss(fuzz::as_text(data, size));
    } catch (const Error& e) {
        RTGUARD_FUZZ_CHECK(e.code() == errc::bad_vector, "errors are bad_vector");
        return 0;
    }

    RTGUARD_FUZZ_CHECK(score.base >= 0.0 && score.base <= 10.0, "base score within 0..10");
    double tenths = score.base * 10.0;
    RTGUARD_FUZZ_CHECK(tenths - static_cast<double>(static_cast<long>(tenths + 0.5)) < 1e-9 &&
                           static_cast<double>(static_cast<long>(tenths + 0.5)) - tenths < 1e-9,
                       "base score has one decimal");
    RTGUARD_FUZZ_CHECK(score.version == "2.0" || score.version == "3.0" || score.version == "3.1" ||
                           score.version == "4.0",
                       "known version: " + score.version);

    // The qualitative rating follows the base score (CVSS v3.x and v4.0 rating scale).
    if (score.version != "2.0") {
        Severity expected = score.base == 0.0  ? Severity::none
                            : score.base < 4.0 ? Severity::low
                            : score.base < 7.0 ? Severity::medium
                            : score.base < 9.0 ? Severity::high
                                               : Severity::critical;
        RTGUARD_FUZZ_CHECK(score.severity == expected, "rating follows the score");
    }
    return 0;
}
