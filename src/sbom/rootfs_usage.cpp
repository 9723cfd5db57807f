// Package usage: a baseline's paths crossed with an inventory's file lists.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/json_writer.hpp"
#include "rtguard/error.hpp"
#include "rtguard/inventory.hpp"
#include "sbom/package_use.hpp"
#include "sbom/rootfs_resolver.hpp"

namespace rtguard {

using detail::JsonWriter;
using detail::RootfsResolver;

namespace {

// Top-level directories that /usr-merge turned into symlinks into /usr.
constexpr std::string_view usr_merged[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};

std::string fold_usr_merge(std::string_view path) {
    for (std::string_view dir : usr_merged) {
        if (path.substr(0, dir.size()) == dir &&
            (path.size() == dir.size() || path[dir.size()] == '/'))
            return "/usr" + std::string(path);
    }
    return std::string(path);
}

// Where a pattern's first wildcard component starts: the text before it is literal.
std::size_t literal_prefix_end(std::string_view pattern) {
    std::size_t star = pattern.find_first_of("*\\");
    if (star == std::string_view::npos) return pattern.size();
    std::size_t slash = pattern.rfind('/', star);
    return slash == std::string_view::npos ? 0 : slash;
}

std::string escape_pattern_literal(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '*' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

// Paths of a package file or baseline entry, compared as the container sees them.
class PathKeys {
public:
    PathKeys(const RootfsInventory& inv, const InventoryLimits& limits) {
        if (inv.rootfs().empty()) return;
        resolver_.emplace(inv.rootfs(), limits.max_symlinks);
        prefix_ = inv.rootfs() == "/" ? std::string() : inv.rootfs() + "/";
    }

    // The path with the root filesystem's own prefix removed: a process that was not
    // chrooted into the root saw the host's path to it.
    std::string container_path(std::string_view path) const {
        if (!prefix_.empty() && path.substr(0, prefix_.size()) == prefix_)
            return std::string(path.substr(prefix_.size() - 1));
        return std::string(path);
    }

    // The file itself (all links followed) and the last link (directories resolved only).
    std::vector<std::string> keys(std::string_view path) {
        if (!resolver_) return {fold_usr_merge(path)};
        std::vector<std::string> out;
        try {
            out.push_back(resolver_->resolve(path, true).path);
            std::string link = resolver_->resolve(path, false).path;
            if (link != out[0]) out.push_back(std::move(link));
        } catch (const Error&) {
            // A link loop: the kernel would refuse the path too; compare it as written.
            out.assign(1, std::string(path));
        }
        return out;
    }

    // The pattern with its literal leading directories resolved like a path.
    std::string pattern_key(std::string_view pattern) {
        std::size_t end = literal_prefix_end(pattern);
        std::string dir(pattern.substr(0, end));
        if (dir.empty()) return std::string(pattern);
        std::string resolved = resolver_ ? keys(dir).front() : fold_usr_merge(dir);
        if (resolved == "/") resolved.clear();
        return escape_pattern_literal(resolved) + std::string(pattern.substr(end));
    }

private:
    std::optional<RootfsResolver> resolver_;
    std::string prefix_;
};

void add_unique(std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// An array of paths, with a "<key>_hex" twin when a path is not UTF-8 (see JsonWriter).
void path_array(JsonWriter& w, std::string_view key, const std::vector<std::string>& paths) {
    w.key(key).begin_array();
    bool bytes = false;
    for (const auto& p : paths) {
        w.value(p);
        bytes = bytes || !detail::valid_utf8(p);
    }
    w.end_array();
    if (!bytes) return;
    w.key(std::string(key) + "_hex").begin_array();
    for (const auto& p : paths)
        w.value(detail::to_hex(p));
    w.end_array();
}

}  // namespace

std::string_view to_string(PackageUse use) noexcept {
    switch (use) {
        case PackageUse::used:
            return "used";
        case PackageUse::pattern:
            return "pattern";
        case PackageUse::unused:
            return "unused";
    }
    return "unused";
}

UsageReport analyze_usage(const RootfsInventory& inventory,
                          const std::vector<const Profile*>& profiles,
                          const InventoryLimits& limits) {
    UsageReport report;
    report.rootfs = inventory.rootfs();
    PathKeys keys(inventory, limits);

    // Every package file under each of its keys, sorted for prefix ranges.
    const auto& packages = inventory.packages();
    std::vector<std::pair<std::string, std::size_t>> index;
    for (std::size_t i = 0; i < packages.size(); ++i) {
        for (const auto& f : packages[i].files)
            for (auto& k : keys.keys(f))
                index.emplace_back(std::move(k), i);
    }
    std::sort(index.begin(), index.end());
    index.erase(std::unique(index.begin(), index.end()), index.end());

    report.packages.resize(packages.size());
    for (std::size_t i = 0; i < packages.size(); ++i) {
        PackageUsage& u = report.packages[i];
        u.name = packages[i].name;
        u.version = packages[i].version;
        u.architecture = packages[i].architecture;
        u.purl = packages[i].purl;
        u.source_name = packages[i].source_name;
        u.source_version = packages[i].source_version;
        u.file_count = packages[i].files.size();
    }

    // What the workloads did: executed and opened paths, and patterns.
    std::set<std::string> executed, opened, patterns;
    for (const Profile* profile : profiles) {
        report.workloads.push_back(profile->image_digest().empty()
                                       ? profile->workload()
                                       : profile->workload() + "@" + profile->image_digest());
        report.lossy = report.lossy || profile->lost_total() > 0;
        for (const ExecutableEntry* e : profile->executables()) {
            executed.insert(keys.container_path(e->path));
            for (const auto* set : {&e->interpreters, &e->scripts, &e->loaded_programs})
                for (const auto& p : *set)
                    executed.insert(keys.container_path(p));
        }
        for (const FileEntry* f : profile->files())
            opened.insert(keys.container_path(f->path));
        for (const PatternEntry* p : profile->patterns()) {
            patterns.insert(keys.container_path(p->pattern));
            for (const auto& s : p->sample)
                opened.insert(keys.container_path(s));
        }
    }

    // Literal paths: look each key up.
    std::set<std::string> unowned;
    auto credit = [&](const std::string& path, bool exec) {
        bool owned = false;
        for (const auto& k : keys.keys(path)) {
            auto it = std::lower_bound(index.begin(), index.end(), std::pair{k, std::size_t{0}});
            for (; it != index.end() && it->first == k; ++it) {
                PackageUsage& u = report.packages[it->second];
                add_unique(exec ? u.executed : u.opened, path);
                u.use = PackageUse::used;
                owned = true;
            }
        }
        if (!owned) unowned.insert(path);
    };
    for (const auto& p : executed)
        credit(p, true);
    for (const auto& p : opened)
        credit(p, false);

    // Patterns: only the package files under the pattern's literal directory are tried.
    for (const auto& pattern : patterns) {
        std::string key = keys.pattern_key(pattern);
        std::string prefix = key.substr(0, literal_prefix_end(key));
        auto it = std::lower_bound(index.begin(), index.end(), std::pair{prefix, std::size_t{0}});
        for (; it != index.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
            if (!path_pattern_matches(key, it->first)) continue;
            PackageUsage& u = report.packages[it->second];
            add_unique(u.patterns, pattern);
            if (u.use == PackageUse::unused) u.use = PackageUse::pattern;
        }
    }

    for (auto& u : report.packages) {
        std::sort(u.executed.begin(), u.executed.end());
        std::sort(u.opened.begin(), u.opened.end());

        // An executed file is also opened for execution: list it once, as executed.
        std::erase_if(u.opened, [&](const std::string& p) {
            return std::binary_search(u.executed.begin(), u.executed.end(), p);
        });
        std::sort(u.patterns.begin(), u.patterns.end());
        if (u.use == PackageUse::used)
            ++report.used;
        else if (u.use == PackageUse::pattern)
            ++report.pattern_only;
        else
            ++report.unused;
    }
    report.unowned.assign(unowned.begin(), unowned.end());
    return report;
}

std::string usage_to_json(const UsageReport& report) {
    std::string out;
    JsonWriter w(out);
    w.set_indent(2);
    w.begin_object();
    w.key("format").value("rtguard-usage");
    w.key("schema").value(1);
    w.bytes_field("rootfs", report.rootfs);
    w.key("workloads").begin_array();
    for (const auto& wl : report.workloads)
        w.value(wl);
    w.end_array();
    w.key("lossy").value(report.lossy);

    w.key("counts").begin_object();
    w.key("packages").value(report.packages.size());
    w.key("used").value(report.used);
    w.key("pattern").value(report.pattern_only);
    w.key("unused").value(report.unused);
    w.key("unowned_paths").value(report.unowned.size());
    w.end_object();

    w.key("packages").begin_array();
    for (const auto& u : report.packages) {
        w.begin_object();
        w.key("name").value(u.name);
        w.key("version").value(u.version);
        w.key("architecture").value(u.architecture);
        w.key("purl").value(u.purl);
        w.key("source").value(u.source_name);
        w.key("source_version").value(u.source_version);
        w.key("use").value(to_string(u.use));
        w.key("files").value(u.file_count);
        path_array(w, "executed", u.executed);
        path_array(w, "opened", u.opened);
        path_array(w, "patterns", u.patterns);
        w.end_object();
    }
    w.end_array();

    // The packages nothing touched, as "name" (or "name:arch" when several architectures
    // of it are installed), ready for a removal list.
    std::map<std::string, int> arches;
    for (const auto& u : report.packages)
        ++arches[u.name];
    w.key("removal_candidates").begin_array();
    for (const auto& u : report.packages) {
        if (u.use != PackageUse::unused) continue;
        w.value(arches[u.name] > 1 ? u.name + ":" + u.architecture : u.name);
    }
    w.end_array();
    path_array(w, "unowned", report.unowned);
    w.end_object();
    out += '\n';
    return out;
}

std::string usage_to_table(const UsageReport& report) {
    std::vector<const PackageUsage*> rows;
    for (const auto& u : report.packages)
        rows.push_back(&u);
    std::stable_sort(rows.begin(), rows.end(), [](const PackageUsage* a, const PackageUsage* b) {
        return detail::use_rank(a->use) < detail::use_rank(b->use);
    });

    std::size_t name_width = 7, version_width = 7;
    for (const auto* u : rows) {
        name_width = std::max(name_width, u->name.size());
        version_width = std::max(version_width, u->version.size());
    }
    name_width = std::min<std::size_t>(name_width, 40);
    version_width = std::min<std::size_t>(version_width, 32);

    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "{:<8} {:<{}} {:<{}} {:>6}  {}\n", "USE", "PACKAGE", name_width, "VERSION",
                   version_width, "FILES", "EVIDENCE");
    for (const auto* u : rows) {
        // The evidence column: executed paths first, then opened ones, then patterns.
        std::vector<std::string> evidence = u->executed;
        evidence.insert(evidence.end(), u->opened.begin(), u->opened.end());
        evidence.insert(evidence.end(), u->patterns.begin(), u->patterns.end());
        std::string shown;
        for (std::size_t i = 0; i < evidence.size() && i < 3; ++i)
            shown += (i ? ", " : "") + evidence[i];
        if (evidence.size() > 3) shown += fmt::format(" (+{} more)", evidence.size() - 3);
        if (evidence.empty()) shown = "-";
        fmt::format_to(it, "{:<8} {:<{}} {:<{}} {:>6}  {}\n", to_string(u->use), u->name,
                       name_width, u->version, version_width, u->file_count, shown);
    }
    fmt::format_to(it,
                   "\n{} packages: {} used, {} only through patterns, {} never touched (removal "
                   "candidates); {} baseline paths owned by no package\n",
                   report.packages.size(), report.used, report.pattern_only, report.unused,
                   report.unowned.size());
    if (report.lossy)
        out +=
            "warning: the baseline lost events while learning; an unused package may have been "
            "used unseen\n";
    return out;
}

}  // namespace rtguard
