// CVSS base scores: every vector in ../shared/data/cvss/vectors_*, known v2 scores, and
// malformed vectors.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "rtguard/cvss.hpp"
#include "rtguard/error.hpp"
#include "test_support.hpp"

using namespace rtguard;

namespace {

// The error text for a vector that must be rejected, or "" when it was accepted.
std::string rejection(std::string_view vector) {
    try {
        score_cvss(vector);
    } catch (const Error& e) {
        CHECK(e.code() == errc::bad_vector);
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("every vector in the shared CVSS data scores its expected base score") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(data / "cvss")) {
        std::string name = entry.path().filename().string();
        if (name.rfind("vectors_", 0) != 0) continue;
        ++files;

        // Lines read "VECTOR - (BASE, TEMPORAL, ENVIRONMENTAL)" for v3 and
        // "VECTOR - (BASE,)" for v4; the first number is the base score.
        std::ifstream in(entry.path());
        std::string line;
        int n = 0, lineno = 0;
        while (std::getline(in, line)) {
            ++lineno;
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            size_t sep = line.find(" - (");
            REQUIRE_MESSAGE(sep != std::string::npos, name << ":" << lineno << ": " << line);
            std::string vector = line.substr(0, sep);
            double expected = std::stod(line.substr(sep + 4));
            CAPTURE(name);
            CAPTURE(lineno);
            CAPTURE(vector);
            CvssScore s = score_cvss(vector);
            CHECK(s.base == doctest::Approx(expected).epsilon(1e-9));
            CHECK(s.version == vector.substr(5, 3));
            ++n;
        }
        MESSAGE(name << ": " << n << " vectors");
        CHECK(n > 0);
    }
    CHECK(files == 5);
}

TEST_CASE("CVSS v2 base scores match the NVD's") {
    CHECK(score_cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P").base == doctest::Approx(7.5));
    CHECK(score_cvss("AV:N/AC:L/Au:N/C:C/I:C/A:C").base == doctest::Approx(10.0));
    CHECK(score_cvss("AV:N/AC:M/Au:N/C:N/I:P/A:N").base == doctest::Approx(4.3));
    CHECK(score_cvss("AV:L/AC:L/Au:N/C:C/I:C/A:C").base == doctest::Approx(7.2));
    CHECK(score_cvss("AV:N/AC:L/Au:N/C:N/I:N/A:P").base == doctest::Approx(5.0));
    CHECK(score_cvss("AV:L/AC:L/Au:N/C:P/I:N/A:N").base == doctest::Approx(2.1));
    CHECK(score_cvss("AV:N/AC:L/Au:N/C:N/I:N/A:N").base == doctest::Approx(0.0));
    // Temporal and environmental metrics are checked but do not change the base score.
    CHECK(score_cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:U/RL:OF/RC:C/CDP:H/TD:H/CR:H/IR:H/AR:H").base ==
          doctest::Approx(7.5));
    CHECK(score_cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P").version == "2.0");
}

TEST_CASE("severity ratings follow each version's scale") {
    // v2 has Low, Medium and High only, and a 0.0 score is Low.
    CHECK(score_cvss("AV:N/AC:L/Au:N/C:N/I:N/A:N").severity == Severity::low);
    CHECK(score_cvss("AV:N/AC:M/Au:N/C:N/I:P/A:N").severity == Severity::medium);
    CHECK(score_cvss("AV:N/AC:L/Au:N/C:C/I:C/A:C").severity == Severity::high);

    CHECK(score_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N").severity == Severity::none);
    CHECK(score_cvss("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N").severity == Severity::low);
    CHECK(score_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N").severity == Severity::medium);
    CHECK(score_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N").severity == Severity::high);
    CHECK(score_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").severity ==
          Severity::critical);
    CHECK(score_cvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").severity ==
          Severity::critical);
    CHECK(score_cvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N").severity ==
          Severity::none);
}

TEST_CASE("a CVSS v4.0 base score ignores threat, environmental and supplemental metrics") {
    const char* base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    double expected = score_cvss(base).base;
    CHECK(expected == doctest::Approx(9.3));
    CHECK(score_cvss(std::string(base) + "/E:U/CR:L/MAV:P/MSI:S/S:P/AU:Y/U:Red").base ==
          doctest::Approx(expected));
}

TEST_CASE("malformed CVSS vectors are rejected naming the metric") {
    // Missing metric.
    CHECK(rejection("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H").find("'A'") != std::string::npos);
    CHECK(rejection("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N")
              .find("missing base metric 'SA'") != std::string::npos);
    CHECK(rejection("AV:N/AC:L/C:P/I:P/A:P").find("'Au'") != std::string::npos);

    // Duplicate metric.
    CHECK(
        rejection("CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").find("'AV' appears twice") !=
        std::string::npos);

    // Bad value.
    CHECK(rejection("CVSS:3.1/AV:Z/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
              .find("metric 'AV' has invalid value 'Z'") != std::string::npos);
    CHECK(
        rejection("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N").find("'SI'") !=
        std::string::npos);  // Safety is for MSI only

    // Unknown metric, wrong prefix, broken structure.
    CHECK(rejection("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y").find("'XX'") !=
          std::string::npos);
    CHECK(rejection("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").find("prefix 'CVSS:3.2'") !=
          std::string::npos);
    CHECK(rejection("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P").find("prefix") != std::string::npos);
    CHECK(rejection("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").find("empty metric") !=
          std::string::npos);
    CHECK(rejection("CVSS:3.1/AV").find("'AV' has no ':VALUE'") != std::string::npos);
    CHECK(rejection("CVSS:3.1").find("no metrics") != std::string::npos);
    CHECK(rejection("").find("empty") != std::string::npos);
}
