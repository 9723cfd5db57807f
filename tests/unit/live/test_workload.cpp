// Tests of rtguard/workload.hpp: container ids from the cgroup paths of the common runtimes.
#include "rtguard/workload.hpp"

#include <string>

#include "test_support.hpp"

using namespace rtguard;

namespace {

const std::string id_a = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";
const std::string id_b = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

void check_container(const std::string& path, const std::string& runtime, const std::string& id) {
    CAPTURE(path);
    auto ref = parse_container_cgroup(path);
    REQUIRE(ref.has_value());
    CHECK(ref->runtime == runtime);
    CHECK(ref->id == id);
}

}  // namespace

TEST_CASE("docker cgroups name the container with the systemd and cgroupfs drivers") {
    check_container("/system.slice/docker-" + id_a + ".scope", "docker", id_a);
    check_container("/docker/" + id_a, "docker", id_a);
    check_container("/sys/fs/cgroup/system.slice/docker-" + id_a + ".scope", "docker", id_a);
}

TEST_CASE("containerd and kubernetes cgroups name the container") {
    check_container(
        "/kubepods.slice/kubepods-burstable.slice/"
        "kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/"
        "cri-containerd-" +
            id_a + ".scope",
        "containerd", id_a);
    check_container("/kubepods/burstable/pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901/" + id_a,
                    "kubernetes", id_a);
    check_container("/kubepods/besteffort/podabc/" + id_b, "kubernetes", id_b);
}

TEST_CASE("cri-o and podman cgroups name the container but not its conmon monitor") {
    check_container("/kubepods.slice/kubepods-pod1.slice/crio-" + id_a + ".scope", "cri-o", id_a);
    check_container("/machine.slice/libpod-" + id_a + ".scope", "podman", id_a);
    check_container(
        "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id_b + ".scope",
        "podman", id_b);
    check_container("/libpod_parent/libpod-" + id_a, "podman", id_a);

    CHECK_FALSE(parse_container_cgroup("/machine.slice/libpod-conmon-" + id_a + ".scope"));
    CHECK_FALSE(parse_container_cgroup("/kubepods.slice/crio-conmon-" + id_a + ".scope"));
}

TEST_CASE("the innermost container wins when containers nest") {
    check_container("/docker/" + id_a + "/docker/" + id_b, "docker", id_b);
    check_container("/system.slice/docker-" + id_a + ".scope/init.scope", "docker", id_a);
}

TEST_CASE("host cgroups and malformed ids name no container") {
    CHECK_FALSE(parse_container_cgroup("/"));
    CHECK_FALSE(parse_container_cgroup(""));
    CHECK_FALSE(parse_container_cgroup("/system.slice/sshd.service"));
    CHECK_FALSE(parse_container_cgroup("/system.slice/docker.service"));
    CHECK_FALSE(parse_container_cgroup("/user.slice/user-1000.slice/session-3.scope"));
    // A bare id is a container only below a runtime's or Kubernetes' cgroup.
    CHECK_FALSE(parse_container_cgroup("/" + id_a));
    CHECK_FALSE(parse_container_cgroup("/mygroup/" + id_a));
    // Upper-case hex, a short id, a long id and a non-hex letter are not runtime ids.
    std::string upper = id_a;
    upper[0] = 'F';
    CHECK_FALSE(parse_container_cgroup("/system.slice/docker-" + upper + ".scope"));
    CHECK_FALSE(parse_container_cgroup("/system.slice/docker-" + id_a.substr(1) + ".scope"));
    CHECK_FALSE(parse_container_cgroup("/system.slice/docker-" + id_a + "0.scope"));
    std::string bad = id_a;
    bad[10] = 'g';
    CHECK_FALSE(parse_container_cgroup("/docker/" + bad));
    CHECK_FALSE(parse_container_cgroup("/system.slice/docker-" + id_a + ".service"));
}

TEST_CASE("workload keys follow the container, cgroup and tree forms") {
    CHECK(container_workload_key(id_a) == "container:" + id_a);
    CHECK(cgroup_workload_key(4242) == "cgroup:4242");
    CHECK(tree_workload_key(17) == "tree:17");
    CHECK(cgroup_path_workload_key("/docker/" + id_b, 99) == "container:" + id_b);
    CHECK(cgroup_path_workload_key("/sys/fs/cgroup/batch/job-7", 99) == "cgroup:99");
}
