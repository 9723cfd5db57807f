// Reading the ordered-comparison tables in ../shared/data/versions.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace rtguard::testing {

/// One line "A OP B" of a comparison table, OP being '<', '=' or '>'.
struct VersionComparison {
    std::string a, b;
    int expected = 0;  ///< -1, 0 or 1
    int line = 0;
    std::string text;  ///< the line as written
};

/// Reads a table; blank lines and lines starting with '#' or '//' are comments. Lines of
/// any other shape fail the calling test through `bad_lines`.
inline std::vector<VersionComparison> read_version_table(const std::filesystem::path& file,
                                                         std::vector<std::string>& bad_lines) {
    std::vector<VersionComparison> out;
    std::ifstream in(file);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        size_t first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#' || line.compare(first, 2, "//") == 0)
            continue;
        std::istringstream fields(line);
        VersionComparison c;
        std::string op, extra;
        fields >> c.a >> op >> c.b;
        if (c.b.empty() || (fields >> extra) || op.size() != 1 || !std::strchr("<=>", op[0])) {
            bad_lines.push_back(file.filename().string() + ":" + std::to_string(n) + ": " + line);
            continue;
        }
        c.expected = op[0] == '<' ? -1 : op[0] == '>' ? 1 : 0;
        c.line = n;
        c.text = line;
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace rtguard::testing
