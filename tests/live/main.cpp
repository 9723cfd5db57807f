// The live suite: rtguard's eBPF programs on the running kernel. Needs root (or CAP_BPF and
// CAP_PERFMON) and kernel BTF; every test skips with the reason otherwise.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

#include "rtguard/live.hpp"
#include "rtguard/log.hpp"

int main(int argc, char** argv) {
    // libbpf's warnings help when a program is refused; debug output only on request.
    rtguard::set_log_sink([](rtguard::LogLevel level, std::string_view message) {
        if (level == rtguard::LogLevel::debug && !std::getenv("RTGUARD_DEBUG")) return;
        std::fprintf(stderr, "rtguard: %.*s\n", static_cast<int>(message.size()), message.data());
    });
    if (auto why = rtguard::live_unavailable_reason(); !why.empty())
        std::fprintf(stderr, "live tests will skip: %s\n", why.c_str());

    doctest::Context context(argc, argv);
    return context.run();
}
