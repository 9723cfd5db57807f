// The anomaly detector, its alerts and the severity scale.
#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

#include "common.hpp"
#include "source.hpp"

namespace rtguard::python {
namespace {

std::string host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "";
    return name;
}

std::string alert_json(const Alert& a, const std::optional<std::string>& hostname) {
    return alert_to_json(a, hostname ? *hostname : host_name());
}

/// An AnomalyDetector with the Python callbacks that see every alert it raises.
class PyDetector {
public:
    explicit PyDetector(DetectorOptions options) : detector_(std::move(options)) {}

    AnomalyDetector& detector() { return detector_; }

    py::object on_alert(py::object fn) {
        if (!PyCallable_Check(fn.ptr())) throw py::type_error("on_alert needs a callable");
        callbacks_.push_back(fn);
        return fn;
    }

    void remove_alert_callback(py::handle fn) {
        for (auto it = callbacks_.begin(); it != callbacks_.end(); ++it) {
            if (it->is(fn)) {
                callbacks_.erase(it);
                return;
            }
        }
        throw py::value_error("that callback is not registered");
    }

    py::list check(const Event& event) {
        py::list out;
        check_into(event, [&](py::object alert) { out.append(alert); });
        return out;
    }

    py::list check_all(py::handle events) {
        py::list out;
        for_each_event(events, [&](const Event& e) {
            check_into(e, [&](py::object alert) { out.append(alert); });
        });
        return out;
    }

    std::uint64_t run(py::handle events, py::object callback) {
        std::uint64_t alerts = 0;
        for_each_event(events, [&](const Event& e) {
            check_into(e, [&](py::object alert) {
                ++alerts;
                if (!callback.is_none()) callback(alert);
            });
        });
        return alerts;
    }

private:
    /// Checks one event; each alert goes to the registered callbacks, then to `sink`.
    template <class Sink>
    void check_into(const Event& event, Sink&& sink) {
        scratch_.clear();
        if (detector_.check(event, scratch_) == 0) return;

        // Callbacks may check further events through this detector: work on our own copy.
        std::vector<Alert> alerts;
        alerts.swap(scratch_);
        for (auto& alert : alerts) {
            py::object obj = py::cast(std::move(alert));
            for (const auto& fn : std::vector<py::object>(callbacks_))
                fn(obj);
            sink(obj);
        }
    }

    AnomalyDetector detector_;
    std::vector<py::object> callbacks_;
    std::vector<Alert> scratch_;
};

UnknownWorkload unknown_workload_arg(const std::string& text) {
    if (text == "ignore") return UnknownWorkload::ignore;
    if (text == "alert_once") return UnknownWorkload::alert_once;
    throw py::value_error("unknown_workload must be 'ignore' or 'alert_once', not '" + text + "'");
}

/// Severity compares by rank (unknown < none < info < low < medium < high < critical), also
/// against the plain names; comparing with any other text raises ValueError.
void add_severity_ordering(py::module_& m) {
    py::object cls = m.attr("Severity");
    auto rank = [](py::handle h, bool& ok) {
        ok = false;
        if (!PyUnicode_Check(h.ptr())) return 0;
        auto v = enum_value<Severity>(h);
        if (!v) throw py::value_error("not a severity: " + py::repr(h).cast<std::string>());
        ok = true;
        return static_cast<int>(*v);
    };
    auto define = [&](const char* name, auto compare) {
        cls.attr(name) = py::cpp_function(
            [rank, compare](py::handle a, py::handle b) -> py::object {
                bool ok_a = false, ok_b = false;
                int ra = rank(a, ok_a), rb = rank(b, ok_b);
                if (!ok_a || !ok_b) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
                return py::bool_(compare(ra, rb));
            },
            py::name(name), py::is_method(cls));
    };
    define("__lt__", [](int a, int b) { return a < b; });
    define("__le__", [](int a, int b) { return a <= b; });
    define("__gt__", [](int a, int b) { return a > b; });
    define("__ge__", [](int a, int b) { return a >= b; });
}

}  // namespace

void bind_detector(py::module_& m) {
    // --- Severity and rules -------------------------------------------------------------------
    std::vector<std::pair<Severity, std::string>> severities;
    for (int s = 0; s <= static_cast<int>(Severity::critical); ++s) {
        auto severity = static_cast<Severity>(s);
        severities.emplace_back(severity, std::string(to_string(severity)));
    }
    define_enum(m, "Severity",
                "The severity scale shared by alerts and findings, ordered: unknown < none < "
                "info < low < medium < high < critical.",
                std::move(severities));
    add_severity_ordering(m);
    m.def(
        "parse_severity", [](std::string_view text) { return severity_from_string(text); },
        py::arg("text"),
        "Parses a rating ignoring case, with the words advisory feeds use ('moderate' -> "
        "medium, 'important' -> high); unknown text gives Severity.unknown.");

    std::vector<std::pair<Rule, std::string>> rules;
    for (std::size_t r = 1; r < rule_count; ++r) {
        auto rule = static_cast<Rule>(r);
        rules.emplace_back(rule, std::string(to_string(rule)));
    }
    define_enum(m, "Rule", "Detection rules; the ids appear in alert files.", std::move(rules));
    m.def("default_severity", &default_severity, py::arg("rule"));
    m.def("falco_priority", &falco_priority, py::arg("severity"),
          "The Falco priority name of a severity ('Critical', 'Error', 'Warning', ...).");

    // --- Alert --------------------------------------------------------------------------------
    py::class_<Alert>(m, "Alert", "One deviation from the baseline, with its evidence.")
        .def_readonly("rule", &Alert::rule)
        .def_readonly("severity", &Alert::severity)
        .def_property_readonly(
            "priority", [](const Alert& a) { return falco_priority(a.severity); },
            "Falco priority name of the severity.")
        .def_property_readonly("workload", [](const Alert& a) { return decode(a.workload); })
        .def_property_readonly("image_digest",
                               [](const Alert& a) { return decode(a.image_digest); })
        .def_property_readonly(
            "subject", [](const Alert& a) { return decode(a.subject); },
            "What deviated: a path, 'tcp 10.0.0.1:443', a syscall name.")
        .def_property_readonly(
            "output", [](const Alert& a) { return decode(a.output); }, "A human sentence.")
        .def_property_readonly(
            "evidence",
            [](const Alert& a) {
                py::list out;
                for (const auto& [k, v] : a.evidence)
                    out.append(py::make_tuple(decode(k), decode(v)));
                return out;
            },
            "(name, value) pairs supporting the alert, in order.")
        .def_readonly("suppressed", &Alert::suppressed,
                      "Repeats suppressed by the rate limit since the previous alert of it.")
        .def_readonly("event", &Alert::event, "The event that raised it.")
        .def("to_json", &alert_json, py::arg("hostname") = py::none(),
             "The alert as one JSON object in Falco's shape (time, rule, priority, output, "
             "output_fields, tags, source, hostname); hostname defaults to this machine's.")
        .def(
            "to_dict",
            [](const Alert& a, const std::optional<std::string>& hostname) {
                return py::module_::import("json").attr("loads")(decode(alert_json(a, hostname)));
            },
            py::arg("hostname") = py::none(), "to_json() as a dict.")
        .def("__repr__", [](const Alert& a) {
            return "Alert(rule='" + std::string(to_string(a.rule)) + "', severity='" +
                   std::string(to_string(a.severity)) +
                   "', workload=" + py::repr(decode(a.workload)).cast<std::string>() +
                   ", subject=" + py::repr(decode(a.subject)).cast<std::string>() + ")";
        });

    py::class_<DetectorStats>(m, "DetectorStats", "Counters of a detector's work.")
        .def_readonly("events", &DetectorStats::events)
        .def_readonly("alerts", &DetectorStats::alerts)
        .def_readonly("suppressed", &DetectorStats::suppressed)
        .def_readonly("unknown_workload_events", &DetectorStats::unknown_workload_events)
        .def_property_readonly(
            "alerts_by_rule",
            [](const DetectorStats& s) { return counts_by_enum<Rule>(s.alerts_by_rule); })
        .def_property_readonly("suppressed_by_rule", [](const DetectorStats& s) {
            return counts_by_enum<Rule>(s.suppressed_by_rule);
        });

    // --- AnomalyDetector ----------------------------------------------------------------------
    DetectorOptions defaults;
    py::class_<PyDetector>(m, "AnomalyDetector",
                           "Holds baselines per workload and checks events against them. "
                           "Callbacks registered with on_alert() see every alert raised by "
                           "check, check_all and run.")
        .def(py::init([](bool check_arguments, const std::string& unknown_workload,
                         std::uint64_t rate_limit_ns, std::size_t max_rate_limit_keys,
                         py::object writable_dirs, py::object sensitive_paths) {
                 DetectorOptions o;
                 o.check_arguments = check_arguments;
                 o.unknown_workload = unknown_workload_arg(unknown_workload);
                 o.rate_limit_ns = rate_limit_ns;
                 o.max_rate_limit_keys = max_rate_limit_keys;
                 if (!writable_dirs.is_none()) {
                     o.writable_dirs = encode_list(writable_dirs, "writable_dirs");
                 }
                 if (!sensitive_paths.is_none()) {
                     o.sensitive_paths = encode_list(sensitive_paths, "sensitive_paths");
                 }
                 return std::make_unique<PyDetector>(std::move(o));
             }),
             py::kw_only(), py::arg("check_arguments") = defaults.check_arguments,
             py::arg("unknown_workload") = "ignore",
             py::arg("rate_limit_ns") = defaults.rate_limit_ns,
             py::arg("max_rate_limit_keys") = defaults.max_rate_limit_keys,
             py::arg("writable_dirs") = py::none(), py::arg("sensitive_paths") = py::none(),
             "check_arguments enables the unexpected_arguments rule; unknown_workload is "
             "'ignore' or 'alert_once'; repeats of one (rule, workload, subject) within "
             "rate_limit_ns of event time are suppressed and counted; writable_dirs and "
             "sensitive_paths replace the defaults when given.")
        .def(
            "add",
            [](PyDetector& d, py::handle what, const std::string& image_digest) {
                if (py::isinstance<Baseline>(what)) {
                    d.detector().add(what.cast<const Baseline&>(), image_digest);
                } else if (py::isinstance<Profile>(what)) {
                    d.detector().add(what.cast<const Profile&>());
                } else {
                    throw py::type_error("add() takes a Baseline or a Profile");
                }
            },
            py::arg("baseline"), py::arg("image_digest") = "",
            "Adds every profile of a Baseline (only those of image_digest when given), or one "
            "Profile. The profiles are copied. Raises rtguard.Error when a workload already "
            "has a profile for another image digest.")
        .def(
            "alias",
            [](PyDetector& d, std::string event_workload, std::string baseline_workload) {
                d.detector().alias(std::move(event_workload), std::move(baseline_workload));
            },
            py::arg("event_workload"), py::arg("baseline_workload"),
            "Checks events of event_workload against the profile of baseline_workload.")
        .def(
            "has_workload",
            [](PyDetector& d, const std::string& w) { return d.detector().has_workload(w); },
            py::arg("workload"))
        .def("check", &PyDetector::check, py::arg("event"),
             "Checks one event; returns its alerts (a list, usually empty).")
        .def("check_all", &PyDetector::check_all, py::arg("events"),
             "Checks every event of an iterable or source; returns all alerts.")
        .def("run", &PyDetector::run, py::arg("events"), py::arg("callback") = py::none(),
             "Checks every event of an iterable or source, calling callback(alert) for each "
             "alert without collecting them (for long-running monitoring); returns how many "
             "alerts were raised.")
        .def("on_alert", &PyDetector::on_alert, py::arg("callback"),
             "Registers callback(alert) for every alert; returns it (usable as a decorator).")
        .def("remove_alert_callback", &PyDetector::remove_alert_callback, py::arg("callback"))
        .def_property_readonly(
            "stats", [](PyDetector& d) { return d.detector().stats(); },
            "DetectorStats (a snapshot).");
}

}  // namespace rtguard::python
