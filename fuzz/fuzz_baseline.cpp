// libFuzzer harness: Baseline::from_json (the baseline file).
//
// A baseline that loads must write back to text that loads to the same baseline, and its
// lookups (pattern matching, access checks, seccomp export) must work on whatever it holds.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtguard;

    Baseline baseline;
    try {
        baseline = Baseline::from_json(fuzz::as_text(data, size), "fuzz.json");
    } catch (const Error& e) {
        RTGUARD_FUZZ_CHECK(e.file() == "fuzz.json", "errors name the file");
        return 0;
    }

    // Writing is deterministic and reading what was written gives the same baseline.
    std::string json = baseline.to_json();
    try {
        Baseline again = Baseline::from_json(json, "written.json");
        RTGUARD_FUZZ_CHECK(again.to_json() == json, "baseline changed in the round trip");
    } catch (const Error& e) {
        RTGUARD_FUZZ_CHECK(false, std::string("a written baseline does not load: ") + e.what());
    }

    // Lookups on every entry the file holds.
    for (const Profile* p : baseline.profiles()) {
        for (const FileEntry* f : p->files()) {
            RTGUARD_FUZZ_CHECK(covers(p->file_access(f->path), f->access),
                               "a file entry allows its own access");
        }
        for (const PatternEntry* pe : p->patterns()) {
            for (const std::string& s : pe->sample)
                (void)p->allows(s, pe->access);
            (void)path_pattern_matches(pe->pattern, pe->pattern);
        }
        for (const ExecutableEntry* e : p->executables()) {
            RTGUARD_FUZZ_CHECK(p->find_executable(e->path) == e, "executables are found");
        }
        (void)p->convergence();
        try {
            (void)p->seccomp_profile();
        } catch (const Error&) {
        }
    }
    return 0;
}
