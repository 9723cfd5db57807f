// Reading CycloneDX JSON and SPDX JSON SBOMs into rtguard::Sbom.
#include <simdjson.h>

#include <cctype>
#include <optional>

#include "core/atomic_file.hpp"
#include "rtguard/error.hpp"
#include "rtguard/purl.hpp"
#include "rtguard/sbom.hpp"
#include "sbom/ecosystem.hpp"
#include "sbom/json_support.hpp"

namespace rtguard {

std::string_view to_string(SbomFormat format) noexcept {
    return format == SbomFormat::cyclonedx ? "cyclonedx" : "spdx";
}

namespace detail {

struct SbomAccess {
    static Sbom parse(std::string_view json, const std::string& file);
};

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr std::size_t max_sbom_bytes = std::size_t(512) << 20;

const char* type_name(element_type t) {
    switch (t) {
        case element_type::ARRAY:
            return "an array";
        case element_type::OBJECT:
            return "an object";
        case element_type::INT64:
        case element_type::UINT64:
        case element_type::DOUBLE:
            return "a number";
        case element_type::STRING:
            return "a string";
        case element_type::BOOL:
            return "a boolean";
        case element_type::NULL_VALUE:
            return "null";
    }
    return "an unknown value";
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The parts of an Sbom while it is being read.
struct SbomData {
    SbomFormat format = SbomFormat::cyclonedx;
    std::string spec_version;
    std::string name;
    OsRelease os;
    std::vector<Component> components;
};

// What an SBOM says about a component's source package, before the purl is looked at.
struct SourceHint {
    std::string name;
    std::string version;
};

// Walks one parsed document, keeping the JSON path of the value at hand for messages.
class Reader {
public:
    explicit Reader(const std::string& file) : file_(file) {}

    [[noreturn]] void fail(errc code, const std::string& message, const std::string& where) {
        throw Error(code, message, file_, where);
    }

    object as_object(element e, const std::string& where) {
        if (e.type() != element_type::OBJECT)
            fail(errc::bad_value, std::string("expected an object, found ") + type_name(e.type()),
                 where);
        return e.get_object().value_unsafe();
    }

    // A member that may be absent or null; present with another type is an error.
    std::optional<element> member(object o, std::string_view key, element_type want) {
        element e;
        if (o.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
        if (e.type() == element_type::NULL_VALUE) return std::nullopt;
        if (e.type() != want) {
            const char* expected = want == element_type::STRING  ? "a string"
                                   : want == element_type::ARRAY ? "an array"
                                                                 : "an object";
            fail(errc::bad_value,
                 std::string("expected ") + expected + ", found " + type_name(e.type()),
                 path_.str(key));
        }
        return e;
    }

    std::string opt_string(object o, std::string_view key) {
        auto e = member(o, key, element_type::STRING);
        return e ? std::string(e->get_string().value_unsafe()) : std::string{};
    }

    std::string req_string(object o, std::string_view key) {
        auto e = member(o, key, element_type::STRING);
        if (!e) fail(errc::missing_field, "missing \"" + std::string(key) + "\"", path_.str());
        return std::string(e->get_string().value_unsafe());
    }

    std::optional<array> opt_array(object o, std::string_view key) {
        auto e = member(o, key, element_type::ARRAY);
        if (!e) return std::nullopt;
        return e->get_array().value_unsafe();
    }

    std::optional<object> opt_object(object o, std::string_view key) {
        auto e = member(o, key, element_type::OBJECT);
        if (!e) return std::nullopt;
        return e->get_object().value_unsafe();
    }

    JsonPath& path() { return path_; }
    const std::string& file() const { return file_; }

private:
    const std::string& file_;
    JsonPath path_;
};

class SbomParser {
public:
    SbomParser(SbomData& sbom, const std::string& file) : sbom_(sbom), r_(file) {}

    void parse_cyclonedx(object root, const std::string& spec) {
        static const char* known[] = {"1.2", "1.3", "1.4", "1.5", "1.6"};
        bool ok = false;
        for (const char* k : known)
            ok = ok || spec == k;
        if (!ok)
            r_.fail(errc::schema_mismatch,
                    "CycloneDX specVersion \"" + spec + "\" is not supported (1.2 to 1.6 are)",
                    "$.specVersion");
        sbom_.format = SbomFormat::cyclonedx;
        sbom_.spec_version = spec;

        // metadata.component is the subject; it is a package to check only when it has a
        // purl (an npm application, a Go module), not when it is the image itself.
        if (auto meta = r_.opt_object(root, "metadata")) {
            PathGuard g1(r_.path(), "metadata");
            if (auto subject = r_.opt_object(*meta, "component")) {
                PathGuard g2(r_.path(), "component");
                sbom_.name = r_.req_string(*subject, "name");
                if (!r_.opt_string(*subject, "purl").empty())
                    cdx_component(*subject);
                else
                    cdx_children(*subject);
            }
        }
        if (auto comps = r_.opt_array(root, "components")) {
            PathGuard g(r_.path(), "components");
            cdx_list(*comps);
        }
    }

    void parse_spdx(object root, const std::string& spec) {
        if (spec != "SPDX-2.2" && spec != "SPDX-2.3")
            r_.fail(errc::schema_mismatch,
                    "spdxVersion \"" + spec + "\" is not supported (SPDX-2.2 and SPDX-2.3 are)",
                    "$.spdxVersion");
        sbom_.format = SbomFormat::spdx;
        sbom_.spec_version = spec;
        sbom_.name = r_.opt_string(root, "name");

        auto packages = r_.opt_array(root, "packages");
        if (!packages) return;
        PathGuard g(r_.path(), "packages");
        std::size_t i = 0;
        for (element e : *packages) {
            PathGuard gi(r_.path(), i++);
            spdx_package(r_.as_object(e, r_.path().str()));
        }
    }

    // Second pass, once the operating system is known: purls and the fields derived from them.
    void derive() {
        for (std::size_t i = 0; i < sbom_.components.size(); ++i) {
            Component& c = sbom_.components[i];
            if (c.purl.empty()) continue;
            try {
                Purl p = Purl::parse(c.purl);
                derive_match_fields(c, p, hints_[i].name, hints_[i].version, sbom_.os);
            } catch (const Error& e) {
                c.purl_error = "malformed purl: " + e.message();
            }
        }
    }

private:
    void cdx_list(array list) {
        std::size_t i = 0;
        for (element e : list) {
            PathGuard g(r_.path(), i++);
            cdx_component(r_.as_object(e, r_.path().str()));
        }
    }

    void cdx_children(object o) {
        if (auto children = r_.opt_array(o, "components")) {
            PathGuard g(r_.path(), "components");
            cdx_list(*children);
        }
    }

    void cdx_component(object o) {
        std::string type = r_.opt_string(o, "type");
        std::string name = r_.req_string(o, "name");
        std::string version = r_.opt_string(o, "version");

        // The operating system is not a package: it scopes the distribution packages.
        if (type == "operating-system") {
            if (sbom_.os.id.empty()) sbom_.os = {lower(name), version, r_.path().str()};
            cdx_children(o);
            return;
        }

        Component c;
        c.name = std::move(name);
        c.version = std::move(version);
        c.purl = r_.opt_string(o, "purl");
        c.ref = r_.opt_string(o, "bom-ref");
        c.where = r_.path().str();
        SourceHint hint = cdx_source_hint(o);
        c.commit = cdx_commit(o);
        add(std::move(c), std::move(hint));
        cdx_children(o);
    }

    // Source package names that Syft and Trivy record as CycloneDX properties.
    SourceHint cdx_source_hint(object o) {
        auto props = r_.opt_array(o, "properties");
        if (!props) return {};
        PathGuard g(r_.path(), "properties");
        std::string src, src_version, trivy_version, trivy_release, trivy_epoch;
        std::size_t i = 0;
        for (element e : *props) {
            PathGuard gi(r_.path(), i++);
            object p = r_.as_object(e, r_.path().str());
            std::string name = r_.opt_string(p, "name");
            std::string value = r_.opt_string(p, "value");
            if (name == "syft:metadata:source" || name == "aquasecurity:trivy:SrcName")
                src = value;
            else if (name == "syft:metadata:sourceVersion")
                src_version = value;
            else if (name == "aquasecurity:trivy:SrcVersion")
                trivy_version = value;
            else if (name == "aquasecurity:trivy:SrcRelease")
                trivy_release = value;
            else if (name == "aquasecurity:trivy:SrcEpoch")
                trivy_epoch = value;
        }

        // Trivy splits the source version into epoch, version and release.
        if (src_version.empty() && !trivy_version.empty()) {
            src_version = trivy_version;
            if (!trivy_release.empty()) src_version += "-" + trivy_release;
            if (!trivy_epoch.empty() && trivy_epoch != "0")
                src_version = trivy_epoch + ":" + src_version;
        }
        return {src, src_version};
    }

    std::string cdx_commit(object o) {
        auto pedigree = r_.opt_object(o, "pedigree");
        if (!pedigree) return {};
        PathGuard g(r_.path(), "pedigree");
        auto commits = r_.opt_array(*pedigree, "commits");
        if (!commits) return {};
        PathGuard g2(r_.path(), "commits");
        for (element e : *commits) {
            PathGuard gi(r_.path(), std::size_t{0});
            return r_.opt_string(r_.as_object(e, r_.path().str()), "uid");
        }
        return {};
    }

    void spdx_package(object o) {
        std::string id = r_.req_string(o, "SPDXID");
        std::string name = r_.req_string(o, "name");
        std::string version = r_.opt_string(o, "versionInfo");

        // Trivy writes the operating system as SPDXRef-OperatingSystem-*, SPDX 2.3 tools as
        // a package whose primary purpose is OPERATING-SYSTEM.
        std::string purpose = r_.opt_string(o, "primaryPackagePurpose");
        if (purpose == "OPERATING-SYSTEM" || id.rfind("SPDXRef-OperatingSystem", 0) == 0) {
            if (sbom_.os.id.empty()) sbom_.os = {lower(name), version, r_.path().str()};
            return;
        }

        Component c;
        c.name = std::move(name);
        c.version = std::move(version);
        c.ref = std::move(id);
        c.where = r_.path().str();
        if (auto refs = r_.opt_array(o, "externalRefs")) {
            PathGuard g(r_.path(), "externalRefs");
            std::size_t i = 0;
            for (element e : *refs) {
                PathGuard gi(r_.path(), i++);
                object ref = r_.as_object(e, r_.path().str());
                std::string type = r_.req_string(ref, "referenceType");
                std::string locator = r_.req_string(ref, "referenceLocator");
                if (c.purl.empty() && lower(type) == "purl") c.purl = std::move(locator);
            }
        }

        // Trivy: "built package from: openssl 3.0.8-r0" names the source package.
        SourceHint hint;
        std::string info = r_.opt_string(o, "sourceInfo");
        constexpr std::string_view prefix = "built package from: ";
        if (info.rfind(prefix, 0) == 0) {
            std::string_view rest = std::string_view(info).substr(prefix.size());
            auto space = rest.find(' ');
            hint.name = std::string(rest.substr(0, space));
            if (space != std::string_view::npos) hint.version = std::string(rest.substr(space + 1));
        }
        add(std::move(c), std::move(hint));
    }

    void add(Component c, SourceHint hint) {
        sbom_.components.push_back(std::move(c));
        hints_.push_back(std::move(hint));
    }

    SbomData& sbom_;
    Reader r_;
    std::vector<SourceHint> hints_;
};

}  // namespace

Sbom SbomAccess::parse(std::string_view json, const std::string& file) {
    Sbom sbom;
    sbom.file_ = file;

    simdjson::dom::parser parser;
    element root;
    simdjson::padded_string padded(json);
    if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
        throw Error(errc::parse_error,
                    std::string("not valid JSON: ") + simdjson::error_message(err), file,
                    syntax_error_place(json));
    }

    SbomData data;
    SbomParser p(data, file);
    Reader r(file);
    object top = r.as_object(root, "$");

    // The format is told by its own marker field: bomFormat or spdxVersion.
    std::string bom_format = r.opt_string(top, "bomFormat");
    std::string spdx_version = r.opt_string(top, "spdxVersion");
    if (bom_format == "CycloneDX") {
        p.parse_cyclonedx(top, r.req_string(top, "specVersion"));
    } else if (!bom_format.empty()) {
        throw Error(errc::schema_mismatch, "unknown bomFormat \"" + bom_format + "\"", file,
                    "$.bomFormat");
    } else if (!spdx_version.empty()) {
        p.parse_spdx(top, spdx_version);
    } else {
        throw Error(errc::schema_mismatch,
                    "neither a CycloneDX SBOM (no \"bomFormat\") nor an SPDX one (no "
                    "\"spdxVersion\")",
                    file, "$");
    }
    p.derive();
    sbom.format_ = data.format;
    sbom.spec_version_ = std::move(data.spec_version);
    sbom.name_ = std::move(data.name);
    sbom.os_ = std::move(data.os);
    sbom.components_ = std::move(data.components);
    return sbom;
}

}  // namespace detail

Sbom Sbom::read(const std::string& path) {
    std::string text = detail::read_file(path, detail::max_sbom_bytes);
    return detail::SbomAccess::parse(text, path);
}

Sbom Sbom::parse(std::string_view json, const std::string& file) {
    return detail::SbomAccess::parse(json, file);
}

}  // namespace rtguard
