// Tests of src/live/load_errors.hpp: a refused program is named with libbpf's reason and the
// verifier's last words, from messages as libbpf 1.1 prints them.
#include "live/load_errors.hpp"

#include "test_support.hpp"

using namespace rtguard::live;

namespace {

const char* const verifier_log =
    "libbpf: prog 'exec_btf': -- BEGIN PROG LOAD LOG --\n"
    "0: R1=ctx() R10=fp0\n"
    "; int BPF_PROG(exec_btf, struct task_struct *p) @ rtguard.bpf.c:574\n"
    "0: (79) r6 = *(u64 *)(r1 +16)\n"
    "R1 invalid mem access 'scalar'\n"
    "processed 15 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1\n"
    "-- END PROG LOAD LOG --";

}  // namespace

TEST_CASE("the verifier's last words are kept without its statistics and framing") {
    CHECK(verifier_tail(verifier_log, 1) == "R1 invalid mem access 'scalar'");
    CHECK(verifier_tail(verifier_log, 2) ==
          "0: (79) r6 = *(u64 *)(r1 +16) | R1 invalid mem access 'scalar'");
    CHECK(verifier_tail("", 3).empty());
    CHECK(verifier_tail("one line", 3) == "one line");
    CHECK(verifier_tail("\n\n\n", 3).empty());
}

TEST_CASE("a refused program is named with libbpf's reason and the verifier's words") {
    std::vector<std::string> warnings{
        "libbpf: prog 'exec_btf': BPF program load failed: Permission denied",
        "libbpf: prog 'exec_btf': failed to load: -13",
        "libbpf: failed to load object 'rtguard_bpf'",
    };
    auto f = explain_load_failure(warnings, verifier_tail(verifier_log, 1));
    CHECK(f.program == "exec_btf");
    CHECK(f.reason ==
          "BPF program load failed: Permission denied; verifier: R1 invalid mem access 'scalar'");
}

TEST_CASE("a failure without a named program keeps libbpf's last warning") {
    auto f = explain_load_failure({"libbpf: map 'events': failed to create: Cannot allocate memory",
                                   "libbpf: failed to load object 'rtguard_bpf'"},
                                  "");
    CHECK(f.program.empty());
    CHECK(f.reason == "failed to load object 'rtguard_bpf'");
    CHECK(explain_load_failure({}, "").reason.empty());
    CHECK(explain_load_failure({}, "x").reason == "verifier: x");
}
