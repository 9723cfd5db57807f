// Small root filesystem trees for the inventory and usage suites.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "test_support.hpp"

namespace rtguard::testing {

/// A root filesystem under a temporary directory, built file by file.
class RootfsTree {
public:
    const std::string root() const { return dir_.path().string(); }
    std::filesystem::path at(const std::string& rel) const { return dir_.path() / rel; }

    void file(const std::string& rel, const std::string& content) const {
        auto p = at(rel);
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
    }

    void dir(const std::string& rel) const { std::filesystem::create_directories(at(rel)); }

    void symlink(const std::string& rel, const std::string& target) const {
        auto p = at(rel);
        std::filesystem::create_directories(p.parent_path());
        std::filesystem::create_symlink(target, p);
    }

    /// A merged-/usr layout: /bin, /sbin and /lib are links into /usr.
    void usr_merge() const {
        dir("usr/bin");
        dir("usr/sbin");
        dir("usr/lib");
        symlink("bin", "usr/bin");
        symlink("sbin", "usr/sbin");
        symlink("lib", "usr/lib");
    }

    void os_release(const std::string& id, const std::string& version_id) const {
        file("usr/lib/os-release", "PRETTY_NAME=\"Test " + id + " " + version_id + "\"\nID=" + id +
                                       "\nVERSION_ID=\"" + version_id + "\"\n");
        symlink("etc/os-release", "../usr/lib/os-release");
    }

private:
    TempDir dir_;
};

}  // namespace rtguard::testing
