#include "rtguard/workload.hpp"

#include <vector>

namespace rtguard {
namespace {

constexpr std::size_t id_length = 64;

bool is_container_id(std::string_view s) {
    if (s.size() != id_length) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

/// `component` is "<prefix><id><suffix>": the id, or empty.
std::string_view between(std::string_view component, std::string_view prefix,
                         std::string_view suffix) {
    if (component.size() != prefix.size() + id_length + suffix.size()) return {};
    if (!starts_with(component, prefix)) return {};
    if (component.substr(prefix.size() + id_length) != suffix) return {};
    std::string_view id = component.substr(prefix.size(), id_length);
    return is_container_id(id) ? id : std::string_view{};
}

std::vector<std::string_view> components(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t slash = path.find('/', i);
        if (slash == std::string_view::npos) slash = path.size();
        if (slash > i) out.push_back(path.substr(i, slash - i));
        i = slash + 1;
    }
    return out;
}

/// The container a single component names on its own (systemd scopes).
std::optional<ContainerRef> scope_container(std::string_view c) {
    struct Form {
        std::string_view prefix, suffix, runtime;
    };
    static constexpr Form forms[] = {
        {"docker-", ".scope", "docker"}, {"cri-containerd-", ".scope", "containerd"},
        {"crio-", ".scope", "cri-o"},    {"libpod-", ".scope", "podman"},
        {"libpod-", "", "podman"},  // cgroupfs driver: libpod_parent/libpod-<id>
    };
    for (const auto& f : forms) {
        std::string_view id = between(c, f.prefix, f.suffix);
        if (!id.empty()) return ContainerRef{std::string(f.runtime), std::string(id)};
    }
    return std::nullopt;
}

}  // namespace

std::optional<ContainerRef> parse_container_cgroup(std::string_view cgroup_path) {
    auto parts = components(cgroup_path);

    // Innermost first: a container inside a container reports the inner one.
    for (std::size_t i = parts.size(); i-- > 0;) {
        std::string_view c = parts[i];
        if (auto ref = scope_container(c)) return ref;
        if (!is_container_id(c) || i == 0) continue;

        // A bare id names a container only below a runtime's or Kubernetes' cgroup.
        for (std::size_t j = i; j-- > 0;) {
            std::string_view parent = parts[j];
            if (parent == "docker") return ContainerRef{"docker", std::string(c)};
            if (starts_with(parent, "kubepods")) return ContainerRef{"kubernetes", std::string(c)};
        }
    }
    return std::nullopt;
}

std::string container_workload_key(std::string_view id) {
    return "container:" + std::string(id);
}

std::string cgroup_workload_key(std::uint64_t cgroup_id) {
    return "cgroup:" + std::to_string(cgroup_id);
}

std::string tree_workload_key(std::uint32_t pid) {
    return "tree:" + std::to_string(pid);
}

std::string cgroup_path_workload_key(std::string_view cgroup_path, std::uint64_t cgroup_id) {
    if (auto ref = parse_container_cgroup(cgroup_path)) return container_workload_key(ref->id);
    return cgroup_workload_key(cgroup_id);
}

}  // namespace rtguard
