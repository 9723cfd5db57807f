// rtguard/cvss.hpp: base scores of CVSS v2, v3.0, v3.1 and v4.0 vectors.
#pragma once

#include <string>
#include <string_view>

#include "rtguard/severity.hpp"

namespace rtguard {

// Severity, to_string(Severity) and severity_from_string live in rtguard/severity.hpp,
// shared with alerts.

struct CvssScore {
    std::string version;  ///< "2.0", "3.0", "3.1" or "4.0"
    double base = 0.0;    ///< base score, 0.0 to 10.0, rounded as the specification says
    Severity severity = Severity::unknown;  ///< qualitative rating of the base score
};

/// Computes the base score of a vector ("CVSS:3.1/AV:N/...", "CVSS:4.0/...", or a bare v2
/// vector "AV:N/AC:L/Au:N/C:P/I:P/A:P"). Throws rtguard::Error (errc::bad_vector) on a
/// malformed vector, naming the offending metric.
CvssScore score_cvss(std::string_view vector);

}  // namespace rtguard
