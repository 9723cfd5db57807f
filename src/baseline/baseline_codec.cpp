// The baseline file: writing (pretty, deterministic, with a content hash) and reading (strict,
// with the file, JSON path and line in every error). Format: docs/baseline.md.
#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "baseline/baseline_impl.hpp"
#include "core/json_writer.hpp"
#include "rtguard/error.hpp"

namespace rtguard {
namespace {

constexpr std::string_view format_name = "rtguard-baseline";
constexpr std::uint64_t schema_version = 1;
constexpr std::string_view hash_prefix = "sha256:";

std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr)) {
        throw Error(errc::unsupported, "SHA-256 is not available from libcrypto");
    }
    return detail::to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

// ---------------------------------------------------------------------------------------
// Writing

// A string that may not be UTF-8, as an array element: the string itself, or
// {"text": <lossy>, "hex": <bytes>} when it is not valid UTF-8.
void write_bytes(detail::JsonWriter& w, const std::string& s) {
    if (detail::valid_utf8(s)) {
        w.value(s);
        return;
    }
    w.begin_object().key("text").value(s).key("hex").value(detail::to_hex(s)).end_object();
}

template <class Set>
void write_bytes_array(detail::JsonWriter& w, std::string_view name, const Set& set) {
    w.key(name).begin_array();
    for (const auto& s : set)
        write_bytes(w, s);
    w.end_array();
}

void write_counts(detail::JsonWriter& w, std::string_view name,
                  const std::array<std::uint64_t, event_kind_count>& counts) {
    w.key(name).begin_object();
    for (std::size_t k = 1; k < event_kind_count; ++k) {
        w.key(to_string(static_cast<EventKind>(k))).value(counts[k]);
    }
    w.end_object();
}

void write_executable(detail::JsonWriter& w, const ExecutableEntry& e) {
    w.begin_object();
    w.bytes_field("path", e.path);
    w.key("count").value(e.count);

    w.key("identities").begin_array();
    for (const auto& id : e.identities) {
        w.begin_object().key("dev").value(id.dev).key("ino").value(id.ino).end_object();
    }
    w.end_array();
    w.key("identities_overflow").value(e.identities_overflow);

    w.key("argument_sets").begin_array();
    for (const auto& args : e.argument_sets) {
        w.begin_array();
        for (const auto& a : args)
            write_bytes(w, a);
        w.end_array();
    }
    w.end_array();
    w.key("argument_sets_overflow").value(e.argument_sets_overflow);

    write_bytes_array(w, "interpreters", e.interpreters);
    write_bytes_array(w, "scripts", e.scripts);
    write_bytes_array(w, "loaded_programs", e.loaded_programs);
    w.key("upper_layer").value(e.upper_layer);
    w.key("memory").value(e.memory);
    w.key("deleted").value(e.deleted);
    w.key("writable_dir").value(e.writable_dir);
    w.end_object();
}

void write_profile(detail::JsonWriter& w, const Profile& profile) {
    const auto& p = BaselineCodec::impl(profile);
    w.begin_object();
    w.bytes_field("workload", p.workload);
    w.bytes_field("image_digest", p.image_digest);

    w.key("window").begin_object();
    w.key("first_ns").value(p.first_ns).key("last_ns").value(p.last_ns);
    w.key("first").value(p.first_ns ? rfc3339_ns(p.first_ns) : "");
    w.key("last").value(p.last_ns ? rfc3339_ns(p.last_ns) : "");
    w.end_object();

    write_counts(w, "event_counts", p.counts);
    write_counts(w, "lost", p.lost);

    w.key("convergence").begin_object();
    w.key("last_new_ns").value(p.last_new_ns);
    w.key("recent_new_ns").begin_array();
    std::vector<std::uint64_t> recent(p.recent_new.begin(), p.recent_new.end());
    std::sort(recent.begin(), recent.end());
    for (auto t : recent)
        w.value(t);
    w.end_array();
    w.end_object();

    w.key("executables").begin_array();
    for (const ExecutableEntry* e : profile.executables())
        write_executable(w, *e);
    w.end_array();

    w.key("files").begin_array();
    for (const FileEntry* f : profile.files()) {
        w.begin_object();
        w.bytes_field("path", f->path);
        w.key("access").value(to_string(f->access)).key("count").value(f->count);
        w.end_object();
    }
    w.end_array();

    w.key("patterns").begin_array();
    for (const PatternEntry* pe : profile.patterns()) {
        w.begin_object();
        w.bytes_field("pattern", pe->pattern);
        w.key("access").value(to_string(pe->access)).key("count").value(pe->count);
        w.key("absorbed").value(pe->absorbed);
        write_bytes_array(w, "sample", pe->sample);
        w.end_object();
    }
    w.end_array();

    w.key("network").begin_array();
    for (const NetworkEntry& n : profile.network()) {
        w.begin_object();
        w.key("op").value(to_string(n.endpoint.op));
        w.key("protocol").value(to_string(n.endpoint.protocol));
        w.key("family").value(to_string(n.endpoint.family));
        w.bytes_field("address", n.endpoint.address);
        w.key("port").value(static_cast<unsigned>(n.endpoint.port));
        w.key("count").value(n.count);
        w.end_object();
    }
    w.end_array();

    w.key("syscalls").begin_array();
    for (const SyscallEntry& s : profile.syscalls()) {
        w.begin_object();
        w.key("nr").value(static_cast<std::int64_t>(s.nr));
        w.bytes_field("name", s.name);
        w.key("count").value(s.count);
        w.end_object();
    }
    w.end_array();

    w.key("io_uring").value(p.io_uring);
    w.end_object();
}

// The hashed content: the profiles array, compact.
std::string canonical_profiles(const Baseline& baseline) {
    std::string out;
    detail::JsonWriter w(out);
    w.begin_array();
    for (const Profile* p : baseline.profiles())
        write_profile(w, *p);
    w.end_array();
    return out;
}

// ---------------------------------------------------------------------------------------
// Reading

using simdjson::error_code;
namespace od = simdjson::ondemand;

class Reader {
public:
    Reader(const std::string& file, const simdjson::padded_string& text, od::document& doc)
        : file_(file), text_(text), doc_(doc) {}

    std::size_t line_of(const char* at) const {
        const char* begin = text_.data();
        if (!at || at < begin || at > begin + text_.size()) at = begin + text_.size();
        return 1 + static_cast<std::size_t>(std::count(begin, at, '\n'));
    }

    [[noreturn]] void fail(errc code, const std::string& message, const std::string& path,
                           const char* at) const {
        throw Error(code, message, file_, fmt::format("line {}, {}", line_of(at), path));
    }

    // Maps a simdjson error met while reading the value at `path` to an rtguard::Error.
    [[noreturn]] void fail_json(error_code e, const std::string& path, const char* at,
                                std::string_view expected) const {
        switch (e) {
            case simdjson::INCORRECT_TYPE:
            case simdjson::NUMBER_ERROR:
            case simdjson::NUMBER_OUT_OF_RANGE:
                fail(errc::bad_value, fmt::format("expected {}", expected), path, at);
            case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
                fail(errc::parse_error,
                     "the file ends inside an object, array or string (truncated?)", path,
                     text_.data() + text_.size());
            default: {
                const char* here = nullptr;
                if (doc_.current_location().get(here) != simdjson::SUCCESS) here = at;
                fail(errc::parse_error,
                     fmt::format("malformed JSON: {}", simdjson::error_message(e)), path, here);
            }
        }
    }

    const char* location(od::value& v) const {
        const char* at = nullptr;
        if (v.current_location().get(at) != simdjson::SUCCESS) return nullptr;
        return at;
    }

    /// Calls on_field(key, value, path) for each member; fails on a member not in `known`
    /// and on a member of `required` that is absent.
    void object(od::value v, const std::string& path, std::initializer_list<std::string_view> known,
                std::initializer_list<std::string_view> required,
                const std::function<void(std::string_view, od::value&, const std::string&)>&
                    on_field) const {
        const char* at = location(v);
        od::object obj;
        if (auto e = v.get_object().get(obj)) fail_json(e, path, at, "an object");

        std::vector<std::string> seen;
        for (auto result : obj) {
            od::field field;
            if (auto e = std::move(result).get(field)) fail_json(e, path, at, "a member");
            std::string_view key_view;
            if (auto e = field.unescaped_key().get(key_view)) fail_json(e, path, at, "a key");
            std::string key(key_view);
            std::string sub = path + "." + key;
            od::value value = field.value();
            if (std::find(known.begin(), known.end(), key) == known.end()) {
                fail(errc::bad_value, fmt::format("unknown member \"{}\"", key), sub,
                     location(value));
            }
            if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
                fail(errc::bad_value, fmt::format("duplicate member \"{}\"", key), sub,
                     location(value));
            }
            seen.push_back(key);
            on_field(key, value, sub);
        }
        for (std::string_view r : required) {
            if (std::find(seen.begin(), seen.end(), r) == seen.end()) {
                fail(errc::missing_field, fmt::format("missing member \"{}\"", r), path, at);
            }
        }
    }

    void array(od::value v, const std::string& path,
               const std::function<void(od::value&, const std::string&)>& on_element) const {
        const char* at = location(v);
        od::array arr;
        if (auto e = v.get_array().get(arr)) fail_json(e, path, at, "an array");
        std::size_t i = 0;
        for (auto result : arr) {
            od::value element;
            if (auto e = result.get(element)) fail_json(e, path, at, "an array element");
            on_element(element, fmt::format("{}[{}]", path, i++));
        }
    }

    std::string string(od::value& v, const std::string& path) const {
        const char* at = location(v);
        std::string_view s;
        if (auto e = v.get_string().get(s)) fail_json(e, path, at, "a string");
        return std::string(s);
    }

    std::uint64_t uint(od::value& v, const std::string& path,
                       std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const {
        const char* at = location(v);
        std::uint64_t n = 0;
        if (auto e = v.get_uint64().get(n)) fail_json(e, path, at, "a non-negative integer");
        if (n > max) fail(errc::bad_value, fmt::format("{} is larger than {}", n, max), path, at);
        return n;
    }

    bool boolean(od::value& v, const std::string& path) const {
        const char* at = location(v);
        bool b = false;
        if (auto e = v.get_bool().get(b)) fail_json(e, path, at, "true or false");
        return b;
    }

    std::string hex(od::value& v, const std::string& path) const {
        const char* at = location(v);
        std::string bytes;
        if (!detail::from_hex(string(v, path), bytes)) {
            fail(errc::bad_value, "expected an even number of hex digits", path, at);
        }
        return bytes;
    }

    /// A string, or {"text": ..., "hex": ...} for bytes that are not UTF-8 (hex wins).
    std::string bytes(od::value& v, const std::string& path) const {
        const char* at = location(v);
        od::json_type type;
        if (auto e = v.type().get(type)) fail_json(e, path, at, "a string");
        if (type == od::json_type::string) return string(v, path);
        std::string out;
        object(v, path, {"text", "hex"}, {"text", "hex"},
               [&](std::string_view key, od::value& value, const std::string& sub) {
                   if (key == "text") {
                       string(value, sub);
                   } else {
                       out = hex(value, sub);
                   }
               });
        return out;
    }

    Access access(od::value& v, const std::string& path) const {
        const char* at = location(v);
        auto a = access_from_string(string(v, path));
        if (!a || *a == Access::none) {
            fail(errc::bad_value, "expected access letters from \"rwx\"", path, at);
        }
        return *a;
    }

    template <class T>
    T named(od::value& v, const std::string& path, std::optional<T> (*parse)(std::string_view),
            std::string_view what) const {
        const char* at = location(v);
        std::string s = string(v, path);
        auto r = parse(s);
        if (!r) fail(errc::bad_value, fmt::format("unknown {} \"{}\"", what, s), path, at);
        return *r;
    }

    void counts(od::value v, const std::string& path,
                std::array<std::uint64_t, event_kind_count>& out) const {
        const char* at = location(v);
        od::object obj;
        if (auto e = v.get_object().get(obj)) fail_json(e, path, at, "an object");
        for (auto result : obj) {
            od::field field;
            if (auto e = std::move(result).get(field)) fail_json(e, path, at, "a member");
            std::string_view key_view;
            if (auto e = field.unescaped_key().get(key_view)) fail_json(e, path, at, "a key");
            std::string key(key_view);
            od::value value = field.value();
            auto kind = event_kind_from_string(key);
            if (!kind) {
                fail(errc::bad_value, fmt::format("unknown event kind \"{}\"", key),
                     path + "." + key, location(value));
            }
            out[static_cast<std::size_t>(*kind)] = uint(value, path + "." + key);
        }
    }

    const std::string& file() const { return file_; }

private:
    const std::string& file_;
    const simdjson::padded_string& text_;
    od::document& doc_;
};

// A path/_hex pair: the _hex form carries the exact bytes and wins.
struct BytesField {
    std::string text;
    std::optional<std::string> exact;
    std::string value() const { return exact ? *exact : text; }
};

ExecutableEntry read_executable(const Reader& r, od::value v, const std::string& path) {
    ExecutableEntry e;
    BytesField p;
    r.object(v, path,
             {"path", "path_hex", "count", "identities", "identities_overflow", "argument_sets",
              "argument_sets_overflow", "interpreters", "scripts", "loaded_programs", "upper_layer",
              "memory", "deleted", "writable_dir"},
             {"path", "count", "identities", "argument_sets"},
             [&](std::string_view key, od::value& value, const std::string& sub) {
                 if (key == "path") {
                     p.text = r.string(value, sub);
                 } else if (key == "path_hex") {
                     p.exact = r.hex(value, sub);
                 } else if (key == "count") {
                     e.count = r.uint(value, sub);
                 } else if (key == "identities") {
                     r.array(value, sub, [&](od::value& el, const std::string& ep) {
                         FileIdentity id;
                         r.object(el, ep, {"dev", "ino"}, {"dev", "ino"},
                                  [&](std::string_view k, od::value& x, const std::string& xp) {
                                      (k == "dev" ? id.dev : id.ino) = r.uint(x, xp);
                                  });
                         e.identities.insert(id);
                     });
                 } else if (key == "identities_overflow") {
                     e.identities_overflow = r.boolean(value, sub);
                 } else if (key == "argument_sets") {
                     r.array(value, sub, [&](od::value& el, const std::string& ep) {
                         std::vector<std::string> args;
                         r.array(el, ep, [&](od::value& a, const std::string& ap) {
                             args.push_back(r.bytes(a, ap));
                         });
                         e.argument_sets.insert(std::move(args));
                     });
                 } else if (key == "argument_sets_overflow") {
                     e.argument_sets_overflow = r.boolean(value, sub);
                 } else if (key == "interpreters" || key == "scripts" || key == "loaded_programs") {
                     auto& set = key == "interpreters" ? e.interpreters
                                 : key == "scripts"    ? e.scripts
                                                       : e.loaded_programs;
                     r.array(value, sub, [&](od::value& el, const std::string& ep) {
                         set.insert(r.bytes(el, ep));
                     });
                 } else {
                     bool b = r.boolean(value, sub);
                     if (key == "upper_layer") e.upper_layer = b;
                     if (key == "memory") e.memory = b;
                     if (key == "deleted") e.deleted = b;
                     if (key == "writable_dir") e.writable_dir = b;
                 }
             });
    e.path = p.value();
    return e;
}

void read_profile(const Reader& r, od::value v, const std::string& path, Baseline& baseline,
                  const BaselineOptions& options) {
    const char* at = r.location(v);
    BytesField workload, digest;
    Profile profile("", "", options);
    auto& p = BaselineCodec::impl(profile);

    r.object(
        v, path,
        {"workload", "workload_hex", "image_digest", "image_digest_hex", "window", "event_counts",
         "lost", "convergence", "executables", "files", "patterns", "network", "syscalls",
         "io_uring"},
        {"workload", "image_digest", "window", "event_counts", "lost", "executables", "files",
         "patterns", "network", "syscalls"},
        [&](std::string_view key, od::value& value, const std::string& sub) {
            if (key == "workload") {
                workload.text = r.string(value, sub);
            } else if (key == "workload_hex") {
                workload.exact = r.hex(value, sub);
            } else if (key == "image_digest") {
                digest.text = r.string(value, sub);
            } else if (key == "image_digest_hex") {
                digest.exact = r.hex(value, sub);
            } else if (key == "window") {
                std::string first, last;
                const char* wat = r.location(value);
                r.object(value, sub, {"first_ns", "last_ns", "first", "last"},
                         {"first_ns", "last_ns"},
                         [&](std::string_view k, od::value& x, const std::string& xp) {
                             if (k == "first_ns") p.first_ns = r.uint(x, xp);
                             if (k == "last_ns") p.last_ns = r.uint(x, xp);
                             if (k == "first") first = r.string(x, xp);
                             if (k == "last") last = r.string(x, xp);
                         });
                // The readable times are derived; a mismatch means the file was edited.
                if (first != (p.first_ns ? rfc3339_ns(p.first_ns) : "") ||
                    last != (p.last_ns ? rfc3339_ns(p.last_ns) : "")) {
                    r.fail(errc::bad_value, "first/last do not match first_ns/last_ns", sub, wat);
                }
                if (p.last_ns < p.first_ns) {
                    r.fail(errc::bad_value, "last_ns is before first_ns", sub, wat);
                }
            } else if (key == "event_counts") {
                r.counts(value, sub, p.counts);
            } else if (key == "lost") {
                r.counts(value, sub, p.lost);
            } else if (key == "convergence") {
                r.object(value, sub, {"last_new_ns", "recent_new_ns"},
                         {"last_new_ns", "recent_new_ns"},
                         [&](std::string_view k, od::value& x, const std::string& xp) {
                             if (k == "last_new_ns") {
                                 p.last_new_ns = r.uint(x, xp);
                                 return;
                             }
                             r.array(x, xp, [&](od::value& t, const std::string& tp) {
                                 p.recent_new.push_back(r.uint(t, tp));
                             });
                         });
            } else if (key == "executables") {
                r.array(value, sub, [&](od::value& el, const std::string& ep) {
                    const char* eat = r.location(el);
                    ExecutableEntry e = read_executable(r, el, ep);
                    std::string key_path = e.path;
                    if (!p.executables.emplace(key_path, std::move(e)).second) {
                        r.fail(errc::bad_value, "duplicate executable " + key_path, ep, eat);
                    }
                });
            } else if (key == "files") {
                r.array(value, sub, [&](od::value& el, const std::string& ep) {
                    const char* eat = r.location(el);
                    FileEntry f;
                    BytesField fp;
                    r.object(el, ep, {"path", "path_hex", "access", "count"},
                             {"path", "access", "count"},
                             [&](std::string_view k, od::value& x, const std::string& xp) {
                                 if (k == "path") fp.text = r.string(x, xp);
                                 if (k == "path_hex") fp.exact = r.hex(x, xp);
                                 if (k == "access") f.access = r.access(x, xp);
                                 if (k == "count") f.count = r.uint(x, xp);
                             });
                    f.path = fp.value();
                    std::string key_path = f.path;
                    if (!p.files.emplace(key_path, std::move(f)).second) {
                        r.fail(errc::bad_value, "duplicate file " + key_path, ep, eat);
                    }
                });
            } else if (key == "patterns") {
                r.array(value, sub, [&](od::value& el, const std::string& ep) {
                    const char* eat = r.location(el);
                    PatternEntry pe;
                    BytesField pp;
                    r.object(el, ep,
                             {"pattern", "pattern_hex", "access", "count", "absorbed", "sample"},
                             {"pattern", "access", "count", "absorbed", "sample"},
                             [&](std::string_view k, od::value& x, const std::string& xp) {
                                 if (k == "pattern") pp.text = r.string(x, xp);
                                 if (k == "pattern_hex") pp.exact = r.hex(x, xp);
                                 if (k == "access") pe.access = r.access(x, xp);
                                 if (k == "count") pe.count = r.uint(x, xp);
                                 if (k == "absorbed") pe.absorbed = r.uint(x, xp);
                                 if (k == "sample") {
                                     r.array(x, xp, [&](od::value& s, const std::string& sp) {
                                         pe.sample.insert(r.bytes(s, sp));
                                     });
                                 }
                             });
                    pe.pattern = pp.value();
                    std::string key_text = pe.pattern;
                    if (!p.patterns.emplace(key_text, std::move(pe)).second) {
                        r.fail(errc::bad_value, "duplicate pattern " + key_text, ep, eat);
                    }
                });
            } else if (key == "network") {
                r.array(value, sub, [&](od::value& el, const std::string& ep) {
                    NetworkEndpoint n;
                    BytesField addr;
                    std::uint64_t count = 0;
                    r.object(
                        el, ep,
                        {"op", "protocol", "family", "address", "address_hex", "port", "count"},
                        {"op", "protocol", "family", "address", "port", "count"},
                        [&](std::string_view k, od::value& x, const std::string& xp) {
                            if (k == "op") n.op = r.named(x, xp, net_op_from_string, "op");
                            if (k == "protocol")
                                n.protocol = r.named(x, xp, net_proto_from_string, "protocol");
                            if (k == "family")
                                n.family = r.named(x, xp, net_family_from_string, "family");
                            if (k == "address") addr.text = r.string(x, xp);
                            if (k == "address_hex") addr.exact = r.hex(x, xp);
                            if (k == "port")
                                n.port = static_cast<std::uint16_t>(r.uint(x, xp, 65535));
                            if (k == "count") count = r.uint(x, xp);
                        });
                    n.address = addr.value();
                    p.network[n] += count;
                });
            } else if (key == "syscalls") {
                r.array(value, sub, [&](od::value& el, const std::string& ep) {
                    SyscallEntry s;
                    BytesField name;
                    r.object(el, ep, {"nr", "name", "name_hex", "count"}, {"nr", "name", "count"},
                             [&](std::string_view k, od::value& x, const std::string& xp) {
                                 if (k == "nr")
                                     s.nr = static_cast<std::int32_t>(r.uint(x, xp, INT32_MAX));
                                 if (k == "name") name.text = r.string(x, xp);
                                 if (k == "name_hex") name.exact = r.hex(x, xp);
                                 if (k == "count") s.count = r.uint(x, xp);
                             });
                    s.name = name.value();
                    p.syscalls[s.nr] = std::move(s);
                });
            } else if (key == "io_uring") {
                p.io_uring = r.uint(value, sub);
            }
        });

    p.workload = workload.value();
    p.image_digest = digest.value();
    p.rebuild_index();
    p.rebuild_groups();

    auto& profiles = BaselineCodec::impl(baseline).profiles;
    auto key = std::make_pair(p.workload, p.image_digest);
    if (profiles.count(key)) {
        r.fail(errc::bad_value,
               fmt::format("a second profile for workload \"{}\" and image digest \"{}\"",
                           p.workload, p.image_digest),
               path, at);
    }
    profiles.emplace(key, std::move(profile));
}

// A scan of the structure that only tracks strings and nesting: where the top-level value
// ends, and whether the text ends inside it (a truncated file).
struct TopLevelScan {
    const char* after_value = nullptr;  // first non-space byte after the top-level value
    bool ends_inside = false;
};

TopLevelScan scan_top_level(const simdjson::padded_string& text) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    const char* p = text.data();
    const char* end = p + text.size();
    TopLevelScan scan;
    int depth = 0;
    bool in_string = false;
    for (; p < end; ++p) {
        char c = *p;
        if (in_string) {
            if (c == '\\') {
                ++p;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') in_string = true;
        if (c == '{' || c == '[') ++depth;
        if ((c == '}' || c == ']') && --depth == 0) {
            ++p;
            while (p < end && space(*p))
                ++p;
            scan.after_value = p;
            return scan;
        }
    }
    scan.ends_inside = depth > 0 || in_string;
    scan.after_value = end;
    return scan;
}

// The first byte JSON allows nowhere: a control byte inside a string, or one outside that is
// not white space. nullptr when there is none.
const char* find_control_byte(const simdjson::padded_string& text) {
    bool in_string = false;
    bool escaped = false;
    for (const char* p = text.data(); p != text.data() + text.size(); ++p) {
        auto c = static_cast<unsigned char>(*p);
        if (in_string) {
            if (c < 0x20) return p;
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return p;
        }
    }
    return nullptr;
}

// Where a syntax error is, for a document the DOM parser rejected: walk it on demand and
// stop where that fails; content after the top-level value is found by scanning.
const char* find_syntax_error(const simdjson::padded_string& text, od::document& doc) {
    // The walk recurses once per level: bounded like the DOM parser, so that a hostile file
    // nested a million levels deep cannot exhaust the stack.
    const char* last = nullptr;  // where the value being read starts
    std::function<bool(od::value, std::size_t)> walk = [&](od::value v, std::size_t depth) {
        if (depth > simdjson::DEFAULT_MAX_DEPTH) return false;
        if (const char* at = nullptr; !v.current_location().get(at)) last = at;
        od::json_type type;
        if (v.type().get(type)) return false;
        if (type == od::json_type::object) {
            od::object obj;
            if (v.get_object().get(obj)) return false;
            for (auto f : obj) {
                od::field field;
                if (std::move(f).get(field)) return false;
                if (!walk(field.value(), depth + 1)) return false;
            }
            return true;
        }
        if (type == od::json_type::array) {
            od::array arr;
            if (v.get_array().get(arr)) return false;
            for (auto el : arr) {
                od::value x;
                if (el.get(x) || !walk(x, depth + 1)) return false;
            }
            return true;
        }
        switch (type) {
            case od::json_type::string: {
                std::string_view s;
                return !v.get_string().get(s);
            }
            case od::json_type::number: {
                // As the DOM parser reads it: an integer must fit 64 bits.
                od::number_type kind;
                if (v.get_number_type().get(kind)) return false;
                std::int64_t i;
                std::uint64_t u;
                double d;
                if (kind == od::number_type::signed_integer) return !v.get_int64().get(i);
                if (kind == od::number_type::unsigned_integer) return !v.get_uint64().get(u);
                return !v.get_double().get(d);
            }
            case od::json_type::boolean: {
                bool b;
                return !v.get_bool().get(b);
            }
            default: {
                bool null = false;
                return !v.is_null().get(null) && null;
            }
        }
    };
    od::value root;
    bool ok = !doc.get_value().get(root) && walk(root, 1);
    const char* here = nullptr;
    if (!ok) {
        if (!doc.current_location().get(here)) return here;
        return last ? last : find_control_byte(text);
    }

    // The value parsed: the problem is what follows it.
    return scan_top_level(text).after_value;
}

}  // namespace

std::string Baseline::to_json() const {
    std::string content = canonical_profiles(*this);

    std::string out;
    detail::JsonWriter w(out);
    w.set_indent(2);
    w.begin_object();
    w.key("format").value(format_name);
    w.key("schema").value(schema_version);
    w.key("content_hash").value(std::string(hash_prefix) + sha256_hex(content));
    w.key("profiles").begin_array();
    for (const Profile* p : profiles())
        write_profile(w, *p);
    w.end_array();
    w.end_object();
    out += '\n';
    return out;
}

Baseline Baseline::from_json(std::string_view text, const std::string& file_name,
                             BaselineOptions options) {
    simdjson::padded_string padded(text);
    od::parser parser;
    od::document doc;

    // Whole-document validation first: the on-demand reader does not notice content after
    // the top-level value, and a syntax error gets its line from a second, on-demand walk.
    {
        simdjson::dom::parser dom;
        simdjson::dom::element root;
        if (auto e = dom.parse(padded).get(root)) {
            Reader r(file_name, padded, doc);
            const char* at = nullptr;
            if (text.starts_with("\xef\xbb\xbf")) {
                r.fail(errc::parse_error,
                       "the file starts with a UTF-8 byte-order mark, which JSON does not allow",
                       "$", padded.data());
            }
            if (e == simdjson::UTF8_ERROR) {
                std::size_t bad = detail::first_invalid_utf8(text);
                r.fail(errc::parse_error, "the file is not valid UTF-8", "$",
                       bad == std::string_view::npos ? nullptr : padded.data() + bad);
            }
            if (e == simdjson::EMPTY) r.fail(errc::parse_error, "the file is empty", "$", nullptr);
            if (e == simdjson::DEPTH_ERROR) {
                r.fail(errc::limit_exceeded,
                       fmt::format("nested deeper than {} levels", simdjson::DEFAULT_MAX_DEPTH),
                       "$", nullptr);
            }
            if (e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT || scan_top_level(padded).ends_inside) {
                r.fail(errc::parse_error,
                       "the file ends inside an object, array or string (truncated?)", "$",
                       nullptr);
            }
            if (e != simdjson::UNESCAPED_CHARS && !parser.iterate(padded).get(doc)) {
                at = find_syntax_error(padded, doc);
            } else {
                at = find_control_byte(padded);
            }
            r.fail(errc::parse_error, fmt::format("malformed JSON: {}", simdjson::error_message(e)),
                   "$", at);
        }
    }
    if (auto e = parser.iterate(padded).get(doc)) {
        throw Error(errc::parse_error,
                    fmt::format("malformed JSON: {}", simdjson::error_message(e)), file_name);
    }
    Reader r(file_name, padded, doc);

    // Format and schema before anything else: a file of another kind or version must be
    // named as such, not reported as a pile of unknown members.
    od::object top;
    if (auto e = doc.get_object().get(top)) r.fail_json(e, "$", nullptr, "an object");
    std::string_view format;
    {
        od::value v;
        if (top.find_field_unordered("format").get(v)) {
            r.fail(errc::missing_field, "missing member \"format\" (not an rtguard baseline)", "$",
                   nullptr);
        }
        const char* at = r.location(v);
        if (v.get_string().get(format) || format != format_name) {
            r.fail(errc::bad_value,
                   fmt::format("\"format\" is not \"{}\" (not an rtguard baseline)", format_name),
                   "$.format", at);
        }
    }
    {
        od::value v;
        if (top.find_field_unordered("schema").get(v)) {
            r.fail(errc::missing_field, "missing member \"schema\"", "$", nullptr);
        }
        const char* at = r.location(v);
        std::uint64_t schema = 0;
        if (auto e = v.get_uint64().get(schema); e == simdjson::INCORRECT_TYPE) {
            r.fail_json(e, "$.schema", at, "a whole number (the schema version)");
        } else if (e || schema != schema_version) {
            r.fail(errc::schema_mismatch,
                   fmt::format("unsupported schema version (this build reads schema {})",
                               schema_version),
                   "$.schema", at);
        }
    }
    doc.rewind();

    Baseline baseline(options);
    std::string stated_hash;
    const char* hash_at = nullptr;
    od::value root;
    if (auto e = doc.get_value().get(root)) r.fail_json(e, "$", nullptr, "an object");
    r.object(root, "$", {"format", "schema", "content_hash", "profiles"},
             {"format", "schema", "content_hash", "profiles"},
             [&](std::string_view key, od::value& value, const std::string& sub) {
                 if (key == "content_hash") {
                     hash_at = r.location(value);
                     stated_hash = r.string(value, sub);
                 } else if (key == "profiles") {
                     r.array(value, sub, [&](od::value& el, const std::string& ep) {
                         read_profile(r, el, ep, baseline, options);
                     });
                 } else {
                     // format and schema were checked above; skip them.
                     (void)value.raw_json_token();
                 }
             });

    std::string actual = std::string(hash_prefix) + sha256_hex(canonical_profiles(baseline));
    if (stated_hash != actual) {
        r.fail(errc::integrity,
               "content_hash does not match the content (the file was modified or damaged)",
               "$.content_hash", hash_at);
    }
    return baseline;
}

}  // namespace rtguard
