// The rtguard._rtguard extension module. The public package is python/rtguard/__init__.py.
#include "common.hpp"

#ifndef RTGUARD_VERSION
#error "the build passes RTGUARD_VERSION (the project version)"
#endif

PYBIND11_MODULE(_rtguard, m) {
    namespace rp = rtguard::python;

    m.doc() =
        "rtguard's C++ library: events and their sources, behavioral baselines, the anomaly "
        "detector, version ordering, package URLs, CVSS and SBOM-vs-OSV matching. Import the "
        "rtguard package rather than this module.";
    m.attr("__version__") = RTGUARD_VERSION;

    rp::bind_errors(m);
    rp::bind_log(m);
    rp::bind_events(m);
    rp::bind_baseline(m);
    rp::bind_detector(m);
    rp::bind_versions(m);
    rp::bind_sbom(m);
    rp::bind_live(m);
}
