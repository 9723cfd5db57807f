// rtguard/workload.hpp: naming workloads. A workload is a container, a cgroup or a process
// tree; events carry its key ("container:<id>", "cgroup:<id>", "tree:<pid>").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtguard {

/// The container a cgroup v2 path belongs to, as its runtime named the cgroup.
struct ContainerRef {
    /// "docker", "containerd", "cri-o", "podman" or "kubernetes" (a bare id below a kubepods
    /// cgroup, runtime unknown).
    std::string runtime;
    std::string id;  ///< 64 lower-case hex digits
};

/// Finds the container id in a cgroup v2 path, or nothing for a host cgroup. Accepts both a
/// cgroup path ("/system.slice/docker-<id>.scope") and a cgroupfs path
/// ("/sys/fs/cgroup/kubepods/burstable/pod<uid>/<id>"). Recognized forms, one path component
/// each: docker-<id>.scope and docker/<id> (Docker, runc), cri-containerd-<id>.scope
/// (containerd CRI), crio-<id>.scope (CRI-O), libpod-<id>.scope and libpod_parent/libpod-<id>
/// (Podman), and a bare <id> below a kubepods or docker cgroup. Monitor scopes of conmon
/// (crio-conmon-<id>, libpod-conmon-<id>) are host processes, not the container. When
/// containers nest, the innermost id wins. Never throws.
std::optional<ContainerRef> parse_container_cgroup(std::string_view cgroup_path);

/// "container:<id>".
std::string container_workload_key(std::string_view id);
/// "cgroup:<id>" with the cgroup v2 id in decimal.
std::string cgroup_workload_key(std::uint64_t cgroup_id);
/// "tree:<pid>": a process and its descendants.
std::string tree_workload_key(std::uint32_t pid);

/// The key of the workload a cgroup stands for: its container when the path names one, else
/// the cgroup id.
std::string cgroup_path_workload_key(std::string_view cgroup_path, std::uint64_t cgroup_id);

}  // namespace rtguard
