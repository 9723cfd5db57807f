// libFuzzer harness: ReplaySource (rtguard's own JSON Lines event format).
//
// Each input is read twice, leniently with the default limits and strictly with tight ones,
// and every event read is checked to survive the replay format's own round trip.
#include <cstddef>
#include <cstdint>

#include "event_roundtrip.hpp"
#include "fuzz_support.hpp"
#include "rtguard/replay.hpp"

namespace {

rtguard::fuzz::MemFile input("fuzz-replay");
rtguard::fuzz::MemFile written("fuzz-replay-written");

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtguard;
    const std::string& path = input.fill(fuzz::as_text(data, size));

    std::vector<Event> events;
    try {
        ReplaySource lenient(path);
        // A header repeated later is checked in lenient mode too, and may throw.
        events = fuzz::drain(lenient, true);
    } catch (const Error&) {
        return 0;  // no valid header: nothing else is read
    }
    fuzz::check_replay_roundtrip(events, written);

    // Tight limits reach the too-long, too-many-arguments and string-length paths.
    ReplayOptions tight;
    tight.strict = true;
    tight.limits.max_line_bytes = 512;
    tight.limits.max_argv = 3;
    tight.limits.max_string_bytes = 40;
    try {
        ReplaySource strict(path, tight);
        for (const Event& e : fuzz::drain(strict, true)) {
            RTGUARD_FUZZ_CHECK(e.exec.argv.size() <= tight.limits.max_argv, "argv limit");
        }
    } catch (const Error&) {
    }
    return 0;
}
