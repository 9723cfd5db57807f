// The installed packages of a root filesystem, from dpkg's or apk's database.
//
// dpkg: var/lib/dpkg/status is a list of deb822 stanzas (Package, Status, Version,
// Architecture, Source, Multi-Arch); each package's files are listed one per line in
// var/lib/dpkg/info/<name>.list, or <name>:<arch>.list for Multi-Arch: same packages;
// var/lib/dpkg/diversions holds (path, diverted-to path, diverting package) line triples.
// apk: lib/apk/db/installed has one stanza per package of "X:value" lines; P name,
// V version, A architecture, o origin (source package), F a directory (relative to the root)
// and R a file in the last F.
#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "rtguard/error.hpp"
#include "rtguard/inventory.hpp"
#include "sbom/rootfs_resolver.hpp"

namespace rtguard {

using detail::RootfsEntry;
using detail::RootfsResolver;

namespace {

constexpr std::string_view dpkg_status = "var/lib/dpkg/status";
constexpr std::string_view dpkg_info = "var/lib/dpkg/info/";
constexpr std::string_view dpkg_diversions = "var/lib/dpkg/diversions";
constexpr std::string_view apk_installed = "lib/apk/db/installed";

std::string line_place(std::size_t line) {
    return fmt::format("line {}", line);
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_space(s.front()) || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (is_space(s.back()) || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// dpkg's and apk's rule for package names: an alphanumeric start, then alphanumerics and
// "+-._". Names become file names (info/<name>.list), so nothing else may pass.
bool valid_package_name(std::string_view name) {
    if (name.empty() || name.size() > 256 || !is_alnum(name[0])) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return is_alnum(c) || c == '+' || c == '-' || c == '.' || c == '_';
    });
}

bool valid_architecture(std::string_view arch) {
    if (arch.empty() || arch.size() > 64) return false;
    return std::all_of(arch.begin(), arch.end(),
                       [](char c) { return is_alnum(c) || c == '-' || c == '_'; });
}

// Versions are printable ASCII without spaces under both dpkg's and apk's rules.
bool valid_version(std::string_view v) {
    if (v.empty() || v.size() > 256) return false;
    return std::all_of(v.begin(), v.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Percent-encoding of a purl segment or qualifier value: unreserved characters and ':'
// (which the purl specification says need not be encoded) stay as they are.
std::string purl_encode(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (is_alnum(static_cast<char>(c)) || c == '.' || c == '-' || c == '_' || c == '~' ||
            c == ':') {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

// One deb822 stanza: single-line field values by name, and where it starts.
struct Stanza {
    std::size_t line = 0;
    std::map<std::string_view, std::pair<std::string_view, std::size_t>> fields;

    std::string_view get(std::string_view name) const {
        auto it = fields.find(name);
        return it == fields.end() ? std::string_view{} : it->second.first;
    }
    std::size_t line_of(std::string_view name) const {
        auto it = fields.find(name);
        return it == fields.end() ? line : it->second.second;
    }
};

// Splits a deb822 file into stanzas. Field names are kept as written (dpkg writes them in
// canonical case); continuation lines are accepted and skipped, since no field read here
// spans lines.
std::vector<Stanza> parse_deb822(const std::vector<std::string_view>& lines,
                                 const std::string& file) {
    std::vector<Stanza> stanzas;
    bool in_stanza = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        std::size_t lineno = i + 1;
        if (trim(line).empty()) {
            in_stanza = false;
            continue;
        }
        if (is_space(line[0])) {
            if (!in_stanza)
                throw Error(errc::parse_error, "continuation line outside a field", file,
                            line_place(lineno));
            continue;
        }

        auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            throw Error(errc::parse_error, "expected 'Field: value'", file, line_place(lineno));
        std::string_view name = line.substr(0, colon);
        if (!std::all_of(name.begin(), name.end(),
                         [](char c) { return c > ' ' && c < 0x7f && c != ':'; }))
            throw Error(errc::parse_error, "invalid field name", file, line_place(lineno));

        if (!in_stanza) {
            stanzas.emplace_back();
            stanzas.back().line = lineno;
            in_stanza = true;
        }
        auto [it, fresh] =
            stanzas.back().fields.emplace(name, std::pair{trim(line.substr(colon + 1)), lineno});
        if (!fresh)
            throw Error(
                errc::parse_error,
                fmt::format("field '{}' repeated (first on line {})", name, it->second.second),
                file, line_place(lineno));
    }
    return stanzas;
}

// dpkg's package states, by whether the package's files are on disk.
bool dpkg_state_has_files(std::string_view state, bool& known) {
    static constexpr std::string_view with_files[] = {"installed",        "unpacked",
                                                      "half-configured",  "half-installed",
                                                      "triggers-awaited", "triggers-pending"};
    known = true;
    for (auto s : with_files)
        if (state == s) return true;
    if (state == "not-installed" || state == "config-files") return false;
    known = false;
    return false;
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i]))
            ++i;
        std::size_t j = i;
        while (j < s.size() && !is_space(s[j]))
            ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

// os-release values: unquoted, or in double quotes (with \" \\ \$ \` escapes) or single
// quotes, as the shell would read them. Nothing for a malformed value.
std::optional<std::string> os_release_value(std::string_view v) {
    v = trim(v);
    if (v.empty()) return std::string{};
    if (v[0] == '\'') {
        if (v.size() < 2 || v.back() != '\'') return std::nullopt;
        return std::string(v.substr(1, v.size() - 2));
    }
    if (v[0] != '"') return std::string(v);
    if (v.size() < 2 || v.back() != '"') return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
        if (v[i] == '\\' && i + 2 < v.size()) {
            char n = v[i + 1];
            if (n == '"' || n == '\\' || n == '$' || n == '`') {
                out += n;
                ++i;
                continue;
            }
        }
        out += v[i];
    }
    return out;
}

// True when a relative path has a "." or ".." component.
bool has_dot_component(std::string_view path) {
    std::size_t i = 0;
    while (i <= path.size()) {
        std::size_t j = std::min(path.find('/', i), path.size());
        std::string_view c = path.substr(i, j - i);
        if (c == "." || c == "..") return true;
        i = j + 1;
    }
    return false;
}

}  // namespace

std::string_view to_string(PackageDb db) noexcept {
    switch (db) {
        case PackageDb::dpkg:
            return "dpkg";
        case PackageDb::apk:
            return "apk";
        case PackageDb::sbom:
            return "sbom";
    }
    return "unknown";
}

std::string distro_package_purl(PackageDb db, const OsInfo& os, const InstalledPackage& p) {
    bool apk = db == PackageDb::apk;
    std::string ns = os.id.empty() ? (apk ? "alpine" : "debian") : lower(os.id);
    std::string out = fmt::format("pkg:{}/{}/{}@{}", apk ? "apk" : "deb", purl_encode(ns),
                                  purl_encode(lower(p.name)), purl_encode(p.version));

    // Qualifiers in key order, as the canonical form wants them.
    std::vector<std::pair<std::string, std::string>> q;
    if (!p.architecture.empty()) q.emplace_back("arch", p.architecture);
    std::string release = !os.version_id.empty() ? os.version_id : os.codename;
    if (!release.empty()) q.emplace_back("distro", ns + "-" + release);
    bool other_name = !p.source_name.empty() && p.source_name != p.name;
    bool other_version = !p.source_version.empty() && p.source_version != p.version;
    if (other_name || other_version) {
        std::string src = p.source_name.empty() ? p.name : p.source_name;
        if (other_version) src += "@" + p.source_version;
        q.emplace_back("upstream", src);
    }
    char sep = '?';
    for (const auto& [k, v] : q) {
        out += sep;
        out += k;
        out += '=';
        out += purl_encode(v);
        sep = '&';
    }
    return out;
}

// Fills an inventory; a friend of RootfsInventory.
struct InventoryBuilder {
    RootfsInventory& inv;
    RootfsResolver& root;
    const InventoryLimits& limits;
    std::size_t files_total = 0;

    std::string shown(std::string_view rel) const { return root.display(rel); }

    void problem(std::string file, std::string where, std::string message) {
        inv.problems_.push_back({std::move(file), std::move(where), std::move(message)});
    }

    void read_os() {
        OsInfo& os = inv.os_;
        std::string file = "etc/os-release";
        auto text = root.read_file_if_exists(file, limits.max_small_file_bytes);
        if (!text) {
            file = "usr/lib/os-release";
            text = root.read_file_if_exists(file, limits.max_small_file_bytes);
        }
        if (text) {
            auto lines = detail::split_lines(*text, limits.max_line_bytes, shown(file));
            for (std::size_t i = 0; i < lines.size(); ++i) {
                std::string_view line = trim(lines[i]);
                if (line.empty() || line[0] == '#') continue;
                auto eq = line.find('=');
                auto value = eq == std::string_view::npos ? std::nullopt
                                                          : os_release_value(line.substr(eq + 1));
                if (!value) {
                    problem(file, line_place(i + 1), "not a KEY=value line; ignored");
                    continue;
                }
                std::string_view key = line.substr(0, eq);
                if (key == "ID")
                    os.id = lower(*value);
                else if (key == "VERSION_ID")
                    os.version_id = *value;
                else if (key == "VERSION_CODENAME")
                    os.codename = *value;
                else if (key == "PRETTY_NAME")
                    os.pretty_name = *value;
            }
        }

        for (std::string_view release : {"etc/debian_version", "etc/alpine-release"}) {
            auto content = root.read_file_if_exists(release, limits.max_small_file_bytes);
            if (!content) continue;
            std::string_view first = *content;
            first = trim(first.substr(0, first.find('\n')));
            os.release_file = std::string(first);
            if (os.id.empty()) os.id = release == "etc/alpine-release" ? "alpine" : "debian";
            break;
        }
        if (os.version_id.empty()) os.version_id = os.release_file;
    }

    void add_package(InstalledPackage p) {
        if (inv.packages_.size() >= limits.max_packages)
            throw Error(errc::limit_exceeded,
                        fmt::format("more than {} packages", limits.max_packages), p.where);
        inv.packages_.push_back(std::move(p));
    }

    void count_files(std::size_t n, const std::string& file) {
        files_total += n;
        if (files_total > limits.max_files)
            throw Error(errc::limit_exceeded,
                        fmt::format("more than {} files over all packages", limits.max_files),
                        file);
    }

    std::map<std::string, std::pair<std::string, std::string>> read_diversions() {
        std::map<std::string, std::pair<std::string, std::string>> out;
        auto text = root.read_file_if_exists(dpkg_diversions, limits.max_database_bytes);
        std::string file = shown(dpkg_diversions);
        if (!text) return out;
        auto lines = detail::split_lines(*text, limits.max_line_bytes, file);
        if (lines.size() % 3 != 0)
            throw Error(errc::parse_error,
                        "expected groups of three lines (path, diverted-to path, package)", file,
                        line_place(lines.size()));
        for (std::size_t i = 0; i < lines.size(); i += 3) {
            if (lines[i].empty() || lines[i][0] != '/' || lines[i + 1].empty() ||
                lines[i + 1][0] != '/')
                throw Error(errc::parse_error, "expected two absolute paths", file,
                            line_place(i + 1));
            out[std::string(lines[i])] = {std::string(lines[i + 1]), std::string(lines[i + 2])};
        }
        return out;
    }

    // info/<name>:<arch>.list for Multi-Arch: same packages, info/<name>.list otherwise;
    // the other spelling is tried too (databases converted by older dpkg versions).
    void read_dpkg_files(InstalledPackage& p,
                         const std::map<std::string, std::pair<std::string, std::string>>& div) {
        std::string qualified = fmt::format("{}{}:{}.list", dpkg_info, p.name, p.architecture);
        std::string plain = fmt::format("{}{}.list", dpkg_info, p.name);
        std::vector<std::string> names = {plain, qualified};
        if (p.multi_arch == "same") std::swap(names[0], names[1]);
        if (p.architecture.empty()) names.resize(1);

        std::optional<std::string> text;
        std::string file;
        for (const auto& name : names) {
            try {
                text = root.read_file_if_exists(name, limits.max_list_bytes);
            } catch (const Error& e) {
                if (e.code() == make_error_code(errc::limit_exceeded)) throw;
                problem(name, {}, e.message() + "; the package's files are unknown");
                return;
            }
            file = name;
            if (text) break;
        }
        if (!text) {
            problem(names[0], {}, "file list missing; the package's files are unknown");
            return;
        }

        std::set<std::string> files;
        auto lines = detail::split_lines(*text, limits.max_line_bytes, shown(file));
        for (std::size_t i = 0; i < lines.size(); ++i) {
            std::string path(lines[i]);
            if (path.empty()) continue;
            if (path[0] != '/') {
                problem(file, line_place(i + 1), "not an absolute path; skipped");
                continue;
            }

            // A file diverted by another package lives at the diverted-to path.
            if (auto d = div.find(path); d != div.end() && d->second.second != p.name)
                path = d->second.first;

            // Directories (and links to them, like /bin on a merged /usr) are shared by
            // packages and say nothing about use.
            if (root.resolve(path).entry == RootfsEntry::directory) continue;
            files.insert(std::move(path));
        }
        count_files(files.size(), shown(file));
        p.files.assign(files.begin(), files.end());
    }

    void read_dpkg() {
        std::string text = root.read_file(dpkg_status, limits.max_database_bytes);
        std::string file = shown(dpkg_status);
        auto lines = detail::split_lines(text, limits.max_line_bytes, file);
        auto stanzas = parse_deb822(lines, file);
        auto diversions = read_diversions();

        std::map<std::pair<std::string, std::string>, std::size_t> seen;  // (name, arch)
        for (const Stanza& s : stanzas) {
            InstalledPackage p;
            p.where = fmt::format("{}:{}", dpkg_status, line_place(s.line));
            std::string_view name = s.get("Package");
            if (name.empty())
                throw Error(errc::missing_field, "stanza without a Package field", file,
                            line_place(s.line));
            if (!valid_package_name(name))
                throw Error(errc::bad_value, "invalid package name", file,
                            line_place(s.line_of("Package")));
            p.name = std::string(name);

            // "want flag state": only states with files on disk are part of the image.
            auto status = words(s.get("Status"));
            if (status.size() != 3)
                throw Error(status.empty() ? errc::missing_field : errc::bad_value,
                            "expected 'Status: want flag state' for " + p.name, file,
                            line_place(s.line_of("Status")));
            bool known = false;
            bool has_files = dpkg_state_has_files(status[2], known);
            if (!known)
                throw Error(errc::bad_value, fmt::format("unknown package state '{}'", status[2]),
                            file, line_place(s.line_of("Status")));
            if (!has_files) {
                ++inv.not_installed_;
                continue;
            }
            p.state = std::string(status[2]);

            std::string_view version = s.get("Version");
            if (version.empty())
                throw Error(errc::missing_field, "installed package " + p.name + " has no Version",
                            file, line_place(s.line));
            if (!valid_version(version))
                throw Error(errc::bad_value, "invalid version", file,
                            line_place(s.line_of("Version")));
            p.version = std::string(version);

            std::string_view arch = s.get("Architecture");
            if (!arch.empty() && !valid_architecture(arch))
                throw Error(errc::bad_value, "invalid architecture", file,
                            line_place(s.line_of("Architecture")));
            p.architecture = std::string(arch);
            p.multi_arch = std::string(s.get("Multi-Arch"));

            // "Source: name" or "Source: name (version)".
            p.source_name = p.name;
            p.source_version = p.version;
            if (std::string_view src = s.get("Source"); !src.empty()) {
                auto w = words(src);
                bool ok = w.size() == 1 || (w.size() == 2 && w[1].size() > 2 &&
                                            w[1].front() == '(' && w[1].back() == ')');
                if (!ok || !valid_package_name(w[0]))
                    throw Error(errc::bad_value, "expected 'Source: name [(version)]'", file,
                                line_place(s.line_of("Source")));
                p.source_name = std::string(w[0]);
                if (w.size() == 2) {
                    std::string_view v = w[1].substr(1, w[1].size() - 2);
                    if (!valid_version(v))
                        throw Error(errc::bad_value, "invalid source version", file,
                                    line_place(s.line_of("Source")));
                    p.source_version = std::string(v);
                }
            }

            auto [it, fresh] = seen.emplace(std::pair{p.name, p.architecture}, s.line);
            if (!fresh)
                throw Error(errc::bad_value,
                            fmt::format("package {}:{} listed twice (first on line {})", p.name,
                                        p.architecture, it->second),
                            file, line_place(s.line));

            read_dpkg_files(p, diversions);
            add_package(std::move(p));
        }
    }

    // apk stanzas: "X:value" lines separated by blank lines.
    void read_apk() {
        std::string text = root.read_file(apk_installed, limits.max_database_bytes);
        std::string file = shown(apk_installed);
        auto lines = detail::split_lines(text, limits.max_line_bytes, file);

        std::map<std::string, std::size_t> seen;
        InstalledPackage p;
        std::set<std::string> files;
        std::string dir;
        std::size_t start = 0;

        auto finish = [&](std::size_t end_line) {
            if (start == 0) return;
            if (p.name.empty())
                throw Error(errc::missing_field, "package without a P: line", file,
                            line_place(start));
            if (p.version.empty())
                throw Error(errc::missing_field, "package " + p.name + " has no V: line", file,
                            line_place(start));
            auto [it, fresh] = seen.emplace(p.name, start);
            if (!fresh)
                throw Error(
                    errc::bad_value,
                    fmt::format("package {} listed twice (first on line {})", p.name, it->second),
                    file, line_place(start));
            if (p.source_name.empty()) p.source_name = p.name;
            p.source_version = p.version;
            p.state = "installed";
            p.where = fmt::format("{}:{}", apk_installed, line_place(start));
            count_files(files.size(), file);
            p.files.assign(files.begin(), files.end());
            add_package(std::move(p));
            p = InstalledPackage{};
            files.clear();
            dir.clear();
            start = 0;
            (void)end_line;
        };

        for (std::size_t i = 0; i < lines.size(); ++i) {
            std::string_view line = lines[i];
            std::size_t lineno = i + 1;
            if (trim(line).empty()) {
                finish(lineno);
                continue;
            }
            if (start == 0) start = lineno;
            if (line.size() < 2 || line[1] != ':')
                throw Error(errc::parse_error, "expected 'X:value'", file, line_place(lineno));
            char key = line[0];
            std::string_view value = line.substr(2);

            switch (key) {
                case 'P':
                    if (!valid_package_name(value))
                        throw Error(errc::bad_value, "invalid package name", file,
                                    line_place(lineno));
                    p.name = std::string(value);
                    break;
                case 'V':
                    if (!valid_version(value))
                        throw Error(errc::bad_value, "invalid version", file, line_place(lineno));
                    p.version = std::string(value);
                    break;
                case 'A':
                    if (!valid_architecture(value))
                        throw Error(errc::bad_value, "invalid architecture", file,
                                    line_place(lineno));
                    p.architecture = std::string(value);
                    break;
                case 'o':
                    if (!valid_package_name(value))
                        throw Error(errc::bad_value, "invalid origin package name", file,
                                    line_place(lineno));
                    p.source_name = std::string(value);
                    break;
                case 'F':
                    // A directory relative to the root; ".." would name something else.
                    if (value.empty() || value[0] == '/' || has_dot_component(value)) {
                        problem(std::string(apk_installed), line_place(lineno),
                                "unusable directory; its files skipped");
                        dir = "\n";  // marks the following R: lines as unusable
                    } else {
                        dir = std::string(value);
                        while (!dir.empty() && dir.back() == '/')
                            dir.pop_back();
                    }
                    break;
                case 'R':
                    if (dir == "\n") break;
                    if (value.empty() || value.find('/') != value.npos || value == "." ||
                        value == "..") {
                        problem(std::string(apk_installed), line_place(lineno),
                                "unusable file name; skipped");
                        break;
                    }
                    files.insert(dir.empty() ? "/" + std::string(value)
                                             : "/" + dir + "/" + std::string(value));
                    break;
                default:
                    break;
            }
        }
        finish(lines.size() + 1);
    }
};

RootfsInventory RootfsInventory::read(const std::string& rootfs, const InventoryLimits& limits) {
    RootfsInventory inv;
    std::error_code ec;
    auto abs = std::filesystem::absolute(rootfs, ec);
    inv.rootfs_ = ec ? rootfs : abs.lexically_normal().string();
    if (inv.rootfs_.size() > 1 && inv.rootfs_.back() == '/') inv.rootfs_.pop_back();

    RootfsResolver root(inv.rootfs_, limits.max_symlinks);
    InventoryBuilder b{inv, root, limits};
    b.read_os();

    // dpkg first: an image with both databases is a Debian one that carries apk-tools.
    // A dangling link counts as present: reading it then says what is wrong.
    auto kind = [&](std::string_view path) { return root.resolve(path, false).entry; };
    if (kind(dpkg_status) != RootfsEntry::missing) {
        inv.database_ = PackageDb::dpkg;
        b.read_dpkg();
    } else if (kind(apk_installed) != RootfsEntry::missing) {
        inv.database_ = PackageDb::apk;
        b.read_apk();
    } else {
        throw Error(errc::invalid_argument,
                    fmt::format("no package database ({} or {})", dpkg_status, apk_installed),
                    inv.rootfs_);
    }

    std::sort(inv.packages_.begin(), inv.packages_.end(),
              [](const InstalledPackage& a, const InstalledPackage& b) {
                  return std::tie(a.name, a.architecture) < std::tie(b.name, b.architecture);
              });
    for (auto& p : inv.packages_)
        p.purl = distro_package_purl(inv.database_, inv.os_, p);
    return inv;
}

}  // namespace rtguard
