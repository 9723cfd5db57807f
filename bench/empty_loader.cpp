// Loads bench/empty.bpf.c's do-nothing programs on the hooks rtguard uses and keeps them
// attached until SIGINT, SIGTERM or the end of standard input: the "empty program" variant
// of bench/run.
//
//   empty_loader [--hook-set tp_btf|raw_tp] [--hooks sys_enter,sys_exit,exec,fork,exit]
//
// Prints "ready <hook set> <hooks>" on standard output once every program is attached.
// Exit status 0 after a clean detach, 1 when loading or attaching failed (libbpf's reason on
// standard error), 2 on a usage error.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "empty.skel.h"

namespace {

volatile sig_atomic_t stop_requested = 0;

void on_signal(int) {
    stop_requested = 1;
}

int print_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
    if (level == LIBBPF_DEBUG) return 0;
    return std::vfprintf(stderr, format, args);
}

struct Hook {
    const char* name;  // as --hooks spells it
    bpf_program* btf;
    bpf_program* raw;
};

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        if (comma > start) out.push_back(list.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

int usage() {
    std::fprintf(stderr,
                 "usage: empty_loader [--hook-set tp_btf|raw_tp] "
                 "[--hooks sys_enter,sys_exit,exec,fork,exit]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string hook_set = "tp_btf";
    std::string hooks_arg = "sys_enter,sys_exit,exec,fork,exit";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--hook-set" && i + 1 < argc) {
            hook_set = argv[++i];
        } else if (a == "--hooks" && i + 1 < argc) {
            hooks_arg = argv[++i];
        } else {
            return usage();
        }
    }
    if (hook_set != "tp_btf" && hook_set != "raw_tp") return usage();
    libbpf_set_print(print_libbpf);

    empty_bpf* skel = empty_bpf__open();
    if (!skel) {
        std::fprintf(stderr, "empty_loader: cannot open the BPF object: %s\n",
                     std::strerror(errno));
        return 1;
    }
    Hook hooks[] = {
        {"sys_enter", skel->progs.empty_enter_btf, skel->progs.empty_enter_raw},
        {"sys_exit", skel->progs.empty_exit_btf, skel->progs.empty_exit_raw},
        {"exec", skel->progs.empty_exec_btf, skel->progs.empty_exec_raw},
        {"fork", skel->progs.empty_fork_btf, skel->progs.empty_fork_raw},
        {"exit", skel->progs.empty_pexit_btf, skel->progs.empty_pexit_raw},
    };

    // Load only the chosen hooks of the chosen set, so that the kernel verifies and keeps
    // exactly what will be attached.
    std::vector<std::string> wanted = split(hooks_arg);
    for (const auto& w : wanted) {
        bool known = false;
        for (const auto& h : hooks)
            known = known || w == h.name;
        if (!known) {
            std::fprintf(stderr, "empty_loader: unknown hook %s\n", w.c_str());
            empty_bpf__destroy(skel);
            return usage();
        }
    }
    for (auto& h : hooks) {
        bool on = false;
        for (const auto& w : wanted)
            on = on || w == h.name;
        bpf_program__set_autoload(h.btf, on && hook_set == "tp_btf");
        bpf_program__set_autoload(h.raw, on && hook_set == "raw_tp");
    }
    int err = empty_bpf__load(skel);
    if (err) {
        std::fprintf(stderr, "empty_loader: the kernel refused the programs: %s\n",
                     std::strerror(-err));
        empty_bpf__destroy(skel);
        return 1;
    }

    // Attach each loaded program where its section says.
    std::vector<bpf_link*> links;
    for (auto& h : hooks) {
        bpf_program* prog = hook_set == "tp_btf" ? h.btf : h.raw;
        if (!bpf_program__autoload(prog)) continue;
        bpf_link* link = bpf_program__attach(prog);
        if (!link) {
            std::fprintf(stderr, "empty_loader: cannot attach %s: %s\n", bpf_program__name(prog),
                         std::strerror(errno));
            for (auto* l : links)
                bpf_link__destroy(l);
            empty_bpf__destroy(skel);
            return 1;
        }
        links.push_back(link);
    }
    std::printf("ready %s %s\n", hook_set.c_str(), hooks_arg.c_str());
    std::fflush(stdout);

    // Stay attached until told to stop: a signal, or standard input closing (the runner
    // dying must not leave programs attached).
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    while (!stop_requested) {
        pollfd p{STDIN_FILENO, POLLIN, 0};
        int r = poll(&p, 1, 1000);
        if (r > 0) {
            char buf[256];
            if (read(STDIN_FILENO, buf, sizeof(buf)) <= 0) break;
        }
    }

    for (auto* l : links)
        bpf_link__destroy(l);
    empty_bpf__destroy(skel);
    return 0;
}
