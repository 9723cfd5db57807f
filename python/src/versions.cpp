// Version ordering, package URLs and CVSS scores.
#include <string>

#include "common.hpp"
#include "rtguard/cvss.hpp"
#include "rtguard/purl.hpp"

namespace rtguard::python {
namespace {

/// A VersionScheme member, a scheme name ("pep440") or an OSV ecosystem ("PyPI", "Debian:12").
VersionScheme scheme_arg(py::handle h) {
    auto text = encode(h, "ecosystem");
    if (auto scheme = scheme_for_ecosystem(text)) return *scheme;
    if (auto scheme = enum_value<VersionScheme>(h)) return *scheme;
    throw py::value_error("unknown ecosystem or version scheme '" + text +
                          "' (an OSV ecosystem such as 'PyPI' or 'Debian:12', or a scheme name "
                          "such as 'pep440')");
}

std::string purl_repr(const Purl& p) {
    return "Purl(" + py::repr(decode(p.to_string())).cast<std::string>() + ")";
}

}  // namespace

void bind_versions(py::module_& m) {
    constexpr VersionScheme all_schemes[] = {
        VersionScheme::debian,    VersionScheme::alpine,   VersionScheme::rpm,
        VersionScheme::semver,    VersionScheme::go,       VersionScheme::pep440,
        VersionScheme::maven,     VersionScheme::rubygems, VersionScheme::nuget,
        VersionScheme::packagist,
    };
    std::vector<std::pair<VersionScheme, std::string>> schemes;
    for (auto s : all_schemes)
        schemes.emplace_back(s, std::string(to_string(s)));
    define_enum(m, "VersionScheme",
                "Version-ordering rule sets; several OSV ecosystems share one (npm and "
                "crates.io use semver, Debian and Ubuntu use debian).",
                std::move(schemes));

    m.def(
        "compare_versions",
        [](py::handle ecosystem, std::string_view a, std::string_view b) {
            return compare_versions(scheme_arg(ecosystem), a, b);
        },
        py::arg("ecosystem"), py::arg("a"), py::arg("b"),
        "-1, 0 or 1 as a sorts before, equal to or after b under the ecosystem's rules. "
        "ecosystem is an OSV ecosystem ('PyPI', 'Debian:12', 'npm', 'Go') or a VersionScheme "
        "(name). Raises rtguard.VersionError naming the version when either does not parse, "
        "ValueError for an unknown ecosystem.");
    m.def(
        "valid_version",
        [](py::handle ecosystem, std::string_view v) {
            return valid_version(scheme_arg(ecosystem), v);
        },
        py::arg("ecosystem"), py::arg("version"),
        "True when version parses under the ecosystem's rules.");
    m.def("scheme_for_ecosystem", &scheme_for_ecosystem, py::arg("ecosystem"),
          "The VersionScheme of an OSV ecosystem name, or None.");
    m.def("scheme_for_purl_type", &scheme_for_purl_type, py::arg("purl_type"),
          "The VersionScheme of a purl type ('deb', 'npm', 'pypi'...), or None.");

    // --- Purl ---------------------------------------------------------------------------------
    py::class_<Purl>(m, "Purl", "A parsed, normalized package URL. Read-only.")
        .def(py::init([](std::string_view text) { return Purl::parse(text); }), py::arg("text"),
             "Parses and normalizes text. Raises rtguard.PurlError saying what is wrong.")
        .def_static("parse", &Purl::parse, py::arg("text"))
        .def_property_readonly("type", [](const Purl& p) { return decode(p.type); })
        .def_property_readonly("namespace", [](const Purl& p) { return decode(p.namespace_); })
        .def_property_readonly("name", [](const Purl& p) { return decode(p.name); })
        .def_property_readonly("version", [](const Purl& p) { return decode(p.version); })
        .def_property_readonly(
            "qualifiers",
            [](const Purl& p) {
                py::dict out;
                for (const auto& [k, v] : p.qualifiers)
                    out[decode(k)] = decode(v);
                return out;
            },
            "Qualifiers as a dict, keys sorted.")
        .def_property_readonly("subpath", [](const Purl& p) { return decode(p.subpath); })
        .def(
            "qualifier",
            [](const Purl& p, std::string_view key) { return decode(p.qualifier(key)); },
            py::arg("key"), "The value of a qualifier, or ''.")
        .def("__str__", [](const Purl& p) { return decode(p.to_string()); })
        .def("__repr__", &purl_repr)
        .def(
            "__eq__",
            [](const Purl& a, py::handle b) -> py::object {
                if (!py::isinstance<Purl>(b)) {
                    return py::reinterpret_borrow<py::object>(Py_NotImplemented);
                }
                return py::bool_(a.to_string() == b.cast<const Purl&>().to_string());
            },
            py::is_operator())
        .def("__hash__", [](const Purl& p) { return py::hash(decode(p.to_string())); });

    // --- CVSS ---------------------------------------------------------------------------------
    py::class_<CvssScore>(m, "CvssScore", "The base score of a CVSS vector.")
        .def_readonly("version", &CvssScore::version, "'2.0', '3.0', '3.1' or '4.0'.")
        .def_readonly("base", &CvssScore::base, "Base score, 0.0 to 10.0.")
        .def_readonly("severity", &CvssScore::severity, "Qualitative rating of the base score.")
        .def("__repr__", [](const CvssScore& s) {
            return "CvssScore(version='" + s.version +
                   "', base=" + py::repr(py::float_(s.base)).cast<std::string>() + ", severity='" +
                   std::string(to_string(s.severity)) + "')";
        });
    m.def("score_cvss", &score_cvss, py::arg("vector"),
          "Base score of a CVSS v2, v3.0, v3.1 or v4.0 vector. Raises rtguard.CvssError naming "
          "the offending metric.");
}

}  // namespace rtguard::python
