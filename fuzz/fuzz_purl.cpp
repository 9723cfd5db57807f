// libFuzzer harness: Purl::parse and the canonical form.
//
// A purl that parses has a canonical string that parses to the same purl, and building it
// from its decoded components gives that string too.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "rtguard/error.hpp"
#include "rtguard/purl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtguard;

    Purl purl;
    try {
        purl = Purl::parse(fuzz::as_text(data, size));
    } catch (const Error& e) {
        RTGUARD_FUZZ_CHECK(e.code() == errc::bad_purl, "errors are bad_purl");
        return 0;
    }

    std::string canonical = purl.to_string();
    try {
        Purl again = Purl::parse(canonical);
        RTGUARD_FUZZ_CHECK(again.to_string() == canonical,
                           "canonical form is stable: " + canonical);
        RTGUARD_FUZZ_CHECK(again.type == purl.type && again.namespace_ == purl.namespace_ &&
                               again.name == purl.name && again.version == purl.version &&
                               again.qualifiers == purl.qualifiers && again.subpath == purl.subpath,
                           "components survive the canonical form: " + canonical);
    } catch (const Error& e) {
        RTGUARD_FUZZ_CHECK(false, "canonical form does not parse: " + canonical + ": " + e.what());
    }

    try {
        Purl built = Purl::build(purl.type, purl.namespace_, purl.name, purl.version,
                                 purl.qualifiers, purl.subpath);
        RTGUARD_FUZZ_CHECK(built.to_string() == canonical,
                           "build agrees with parse: " + built.to_string() + " vs " + canonical);
    } catch (const Error& e) {
        RTGUARD_FUZZ_CHECK(false, "a parsed purl cannot be built: " + canonical + ": " + e.what());
    }
    return 0;
}
