// rtguard/purl.hpp: package URLs (https://github.com/package-url/purl-spec).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtguard {

/// A parsed, normalized package URL. Components hold decoded text.
struct Purl {
    std::string type;        ///< lower-cased
    std::string namespace_;  ///< segments joined by '/', type-specific normalisation applied
    std::string name;
    std::string version;
    std::vector<std::pair<std::string, std::string>> qualifiers;  ///< sorted by key
    std::string subpath;

    /// Parses and normalizes. Throws rtguard::Error (errc::bad_purl) saying what is wrong.
    /// Qualifier keys are folded to lower case, empty qualifier values are dropped, and the
    /// case rules of the type (pypi, github, deb, ...) are applied.
    static Purl parse(std::string_view text);

    /// Builds from decoded components, validated and normalized as parse() does them.
    /// Throws rtguard::Error (errc::bad_purl) on a missing type or name, a bad qualifier
    /// key or a component the type forbids or requires.
    static Purl build(std::string_view type, std::string_view namespace_, std::string_view name,
                      std::string_view version = {},
                      std::vector<std::pair<std::string, std::string>> qualifiers = {},
                      std::string_view subpath = {});

    /// The canonical string form: components percent-encoded (all but letters, digits,
    /// ".-_~:"), qualifiers sorted by key.
    std::string to_string() const;

    /// The value of qualifier `key`, or empty.
    std::string_view qualifier(std::string_view key) const noexcept;
};

}  // namespace rtguard
