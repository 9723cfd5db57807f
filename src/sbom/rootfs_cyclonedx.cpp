// A root filesystem's inventory as a CycloneDX 1.5 SBOM, and the file lists read back.
#include <simdjson.h>

#include <ctime>
#include <set>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/json_writer.hpp"
#include "rtguard/error.hpp"
#include "rtguard/inventory.hpp"

namespace rtguard {
namespace {

using detail::JsonWriter;

// The project version of meson.build, which no generated header carries yet.
constexpr std::string_view tool_version = "0.1.0";

std::string utc_time(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Reproducible builds set SOURCE_DATE_EPOCH; the SBOM then carries that time.
std::string sbom_time() {
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
        char* end = nullptr;
        long long v = std::strtoll(epoch, &end, 10);
        if (end != epoch && *end == '\0' && v >= 0) return utc_time(static_cast<std::time_t>(v));
    }
    return utc_time(std::time(nullptr));
}

void property(JsonWriter& w, std::string_view name, std::string_view value) {
    w.begin_object();
    w.key("name").value(name);
    w.key("value").value(value);
    w.end_object();
}

std::string base_name(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    auto slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

}  // namespace

std::string RootfsInventory::to_cyclonedx(const CycloneDxOptions& options) const {
    std::string out;
    JsonWriter w(out);
    w.set_indent(2);
    w.begin_object();
    w.key("bomFormat").value("CycloneDX");
    w.key("specVersion").value("1.5");
    w.key("version").value(1);

    // metadata: when, by what, and about what.
    w.key("metadata").begin_object();
    w.key("timestamp").value(options.timestamp.empty() ? sbom_time() : options.timestamp);
    w.key("tools").begin_object().key("components").begin_array();
    w.begin_object();
    w.key("type").value("application");
    w.key("name").value("rtguard");
    w.key("version").value(tool_version);
    w.end_object();
    w.end_array().end_object();
    w.key("component").begin_object();
    w.key("type").value("container");
    w.key("bom-ref").value("rootfs");
    std::string subject = options.subject_name.empty() ? base_name(rootfs_) : options.subject_name;
    w.bytes_field("name", subject.empty() ? std::string("rootfs") : subject);
    w.end_object();
    w.key("properties").begin_array();
    property(w, "rtguard:inventory:database", to_string(database_));
    w.end_array();
    w.end_object();

    w.key("components").begin_array();

    // The distribution scopes every package's advisories: it goes first.
    if (!os_.id.empty()) {
        w.begin_object();
        w.key("type").value("operating-system");
        w.key("bom-ref").value(fmt::format("os:{}@{}", os_.id, os_.version_id));
        w.key("name").value(os_.id);
        if (!os_.version_id.empty()) w.key("version").value(os_.version_id);
        if (!os_.pretty_name.empty()) w.key("description").value(os_.pretty_name);
        w.key("properties").begin_array();
        if (!os_.codename.empty()) property(w, "rtguard:os:codename", os_.codename);
        if (!os_.release_file.empty()) property(w, "rtguard:os:release-file", os_.release_file);
        w.end_array();
        w.end_object();
    }

    for (const InstalledPackage& p : packages_) {
        w.begin_object();
        w.key("type").value("library");
        w.key("bom-ref").value(p.purl);
        w.key("name").value(p.name);
        w.key("version").value(p.version);
        w.key("purl").value(p.purl);

        // The source package is in the purl's upstream qualifier too; properties keep it
        // readable for tools that do not look into purls.
        w.key("properties").begin_array();
        if (p.source_name != p.name || p.source_version != p.version) {
            property(w, "rtguard:package:source-name", p.source_name);
            property(w, "rtguard:package:source-version", p.source_version);
        }
        if (!p.multi_arch.empty()) property(w, "rtguard:dpkg:multi-arch", p.multi_arch);
        if (p.state != "installed") property(w, "rtguard:dpkg:state", p.state);
        property(w, "rtguard:package:file-count", std::to_string(p.files.size()));
        w.end_array();

        if (options.include_files && !p.files.empty()) {
            w.key("evidence").begin_object().key("occurrences").begin_array();
            for (const auto& f : p.files) {
                w.begin_object();
                w.bytes_field("location", f);
                w.end_object();
            }
            w.end_array().end_object();
        }
        w.end_object();
    }
    w.end_array();
    w.end_object();
    out += '\n';
    return out;
}

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Walks the components of a CycloneDX document, naming the JSON path in errors.
struct FilesReader {
    const std::string& file;
    const InventoryLimits& limits;
    std::vector<InstalledPackage>& packages;
    OsInfo& os;
    std::vector<InventoryProblem>& problems;
    std::size_t files_total = 0;

    [[noreturn]] void fail(errc code, const std::string& message, const std::string& where) {
        throw Error(code, message, file, where);
    }

    std::string opt_string(element o, std::string_view key, const std::string& where) {
        element v;
        if (o.at_key(key).get(v) != simdjson::SUCCESS) return {};
        std::string_view s;
        if (v.get_string().get(s) != simdjson::SUCCESS)
            fail(errc::bad_value, "expected a string", fmt::format("{}.{}", where, key));
        return std::string(s);
    }

    // A location written by bytes_field: the _hex sibling holds the exact bytes.
    std::string location(element o, const std::string& where) {
        std::string hex = opt_string(o, "location_hex", where);
        std::string bytes;
        if (!hex.empty()) {
            if (!detail::from_hex(hex, bytes))
                fail(errc::bad_value, "not hex", where + ".location_hex");
            return bytes;
        }
        return opt_string(o, "location", where);
    }

    // The source package as to_cyclonedx() records it.
    void source_properties(element c, const std::string& where, InstalledPackage& p) {
        element props;
        if (c.at_key("properties").get(props) != simdjson::SUCCESS) return;
        if (props.type() != element_type::ARRAY)
            fail(errc::bad_value, "expected an array", where + ".properties");
        std::size_t i = 0;
        simdjson::dom::array items = props.get_array().value_unsafe();
        for (element prop : items) {
            std::string at = fmt::format("{}.properties[{}]", where, i++);
            if (prop.type() != element_type::OBJECT)
                fail(errc::bad_value, "expected an object", at);
            std::string name = opt_string(prop, "name", at);
            if (name == "rtguard:package:source-name")
                p.source_name = opt_string(prop, "value", at);
            else if (name == "rtguard:package:source-version")
                p.source_version = opt_string(prop, "value", at);
        }
    }

    void component(element c, const std::string& where) {
        if (c.type() != element_type::OBJECT) fail(errc::bad_value, "expected an object", where);
        std::string type = opt_string(c, "type", where);
        if (type == "operating-system") {
            if (os.id.empty()) {
                std::string name = opt_string(c, "name", where);
                for (char& ch : name)
                    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
                os.id = name;
                os.version_id = opt_string(c, "version", where);
                os.pretty_name = opt_string(c, "description", where);
            }
        } else {
            InstalledPackage p;
            p.name = opt_string(c, "name", where);
            if (p.name.empty()) fail(errc::missing_field, "component without a name", where);
            p.version = opt_string(c, "version", where);
            p.purl = opt_string(c, "purl", where);
            p.source_name = p.name;
            p.source_version = p.version;
            p.state = "installed";
            p.where = where;
            source_properties(c, where, p);

            std::set<std::string> files;
            element occ;
            if (c.at_pointer("/evidence/occurrences").get(occ) == simdjson::SUCCESS) {
                if (occ.type() != element_type::ARRAY)
                    fail(errc::bad_value, "expected an array", where + ".evidence.occurrences");
                std::size_t i = 0;
                simdjson::dom::array items = occ.get_array().value_unsafe();
                for (element o : items) {
                    std::string at = fmt::format("{}.evidence.occurrences[{}]", where, i++);
                    if (o.type() != element_type::OBJECT)
                        fail(errc::bad_value, "expected an object", at);
                    std::string loc = location(o, at);
                    if (loc.empty() || loc[0] != '/') {
                        problems.push_back({file, at, "not an absolute path; skipped"});
                        continue;
                    }
                    files.insert(std::move(loc));
                }
            }
            files_total += files.size();
            if (files_total > limits.max_files)
                fail(errc::limit_exceeded, fmt::format("more than {} files", limits.max_files),
                     where);
            p.files.assign(files.begin(), files.end());
            if (packages.size() >= limits.max_packages)
                fail(errc::limit_exceeded,
                     fmt::format("more than {} components", limits.max_packages), where);
            packages.push_back(std::move(p));
        }

        element children;
        if (c.at_key("components").get(children) == simdjson::SUCCESS)
            list(children, where + ".components");
    }

    void list(element arr, const std::string& where) {
        if (arr.type() != element_type::ARRAY) fail(errc::bad_value, "expected an array", where);
        std::size_t i = 0;
        simdjson::dom::array items = arr.get_array().value_unsafe();
        for (element c : items)
            component(c, fmt::format("{}[{}]", where, i++));
    }
};

}  // namespace

RootfsInventory RootfsInventory::read_cyclonedx_files(const std::string& path,
                                                      const InventoryLimits& limits) {
    std::string text = detail::read_file(path, limits.max_database_bytes);
    simdjson::dom::parser parser;
    element root;
    simdjson::padded_string padded(text);
    if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS)
        throw Error(errc::parse_error,
                    std::string("not valid JSON: ") + simdjson::error_message(err), path);

    std::string_view format;
    if (root.type() != element_type::OBJECT || root["bomFormat"].get_string().get(format) ||
        format != "CycloneDX")
        throw Error(errc::schema_mismatch, "not a CycloneDX SBOM (no \"bomFormat\": \"CycloneDX\")",
                    path, "$.bomFormat");

    RootfsInventory inv;
    inv.database_ = PackageDb::sbom;
    FilesReader r{path, limits, inv.packages_, inv.os_, inv.problems_};
    element components;
    if (root["components"].get(components) == simdjson::SUCCESS) r.list(components, "$.components");
    return inv;
}

}  // namespace rtguard
