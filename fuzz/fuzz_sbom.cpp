// libFuzzer harness: Sbom::parse (CycloneDX JSON and SPDX JSON, detected from the text).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "rtguard/error.hpp"
#include "rtguard/purl.hpp"
#include "rtguard/sbom.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtguard;

    Sbom sbom;
    try {
        sbom = Sbom::parse(fuzz::as_text(data, size), "fuzz.json");
    } catch (const Error& e) {
        RTGUARD_FUZZ_CHECK(e.file() == "fuzz.json", "errors name the file");
        return 0;
    }

    RTGUARD_FUZZ_CHECK(sbom.file() == "fuzz.json", "the SBOM keeps its name");
    for (const Component& c : sbom.components()) {
        RTGUARD_FUZZ_CHECK(!c.where.empty() && c.where[0] == '$', "components have a JSON path");

        // A purl the reader accepted (no purl_error) is one the purl parser accepts.
        if (!c.purl.empty() && c.purl_error.empty()) {
            try {
                (void)Purl::parse(c.purl);
            } catch (const Error& e) {
                RTGUARD_FUZZ_CHECK(false, "accepted purl does not parse: " + c.purl);
            }
        }
    }
    return 0;
}
