// rtguard/purl.hpp: package URLs (https://github.com/package-url/purl-spec).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtguard {

/// A parsed, normalized package URL. Components hold decoded text.
struct Purl {
    std::string type;       ///< lower-cased
    std::string namespace_; ///< segments joined by '/', type-specific normalisation applied
    std::string name;
    std::string version;
    std::vector<std::pair<std::string, std::string>> qualifiers;  ///< sorted by key
    std::string subpath;

    /// Parses and normalizes. Throws rtguard::Error (errc::bad_purl) saying what is wrong.
    static Purl parse(std::string_view text);

    /// The canonical string form.
    std::string to_string() const;

    /// The value of qualifier `key`, or empty.
    std::string_view qualifier(std::string_view key) const noexcept;
};

}  // namespace rtguard
