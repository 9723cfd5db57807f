// libFuzzer harness: TetragonSource (Tetragon's JSON export, JSON Lines or pretty-printed).
//
// Each input is read leniently and strictly with a small record limit; every event mapped
// from Tetragon must be representable in the replay format and read back unchanged.
#include <cstddef>
#include <cstdint>

#include "event_roundtrip.hpp"
#include "fuzz_support.hpp"
#include "rtguard/tetragon.hpp"

namespace {

rtguard::fuzz::MemFile input("fuzz-tetragon");
rtguard::fuzz::MemFile written("fuzz-tetragon-written");

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtguard;
    const std::string& path = input.fill(fuzz::as_text(data, size));

    std::vector<Event> events;
    {
        TetragonSource lenient(path);
        events = fuzz::drain(lenient, false);
    }
    fuzz::check_replay_roundtrip(events, written);

    TetragonOptions tight;
    tight.strict = true;
    tight.max_line_bytes = 256;
    TetragonSource strict(path, tight);
    fuzz::drain(strict, true);
    return 0;
}
