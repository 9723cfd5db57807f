#include "cli.hpp"

#include <cstdlib>

#include <fmt/core.h>

#include "core/json_writer.hpp"

namespace rtguard::cli {

std::optional<std::string> ParsedArgs::get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
}

ParsedArgs parse_args(const std::vector<std::string>& args,
                      const std::vector<std::string>& options) {
    auto takes_value = [&](const std::string& name) -> std::optional<bool> {
        for (const auto& o : options) {
            if (o == name) return false;
            if (o == name + "=") return true;
        }
        return std::nullopt;
    };

    ParsedArgs out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            out.rest.assign(args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        }
        if (a.size() < 2 || a[0] != '-' || a == "-") {
            out.positional.push_back(a);
            continue;
        }

        // "--name=value" or "--name value" or a flag.
        std::string name = a, value;
        bool inline_value = false;
        if (auto eq = a.find('='); eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            inline_value = true;
        }
        auto kind = takes_value(name);
        if (!kind) throw UsageError("unknown option " + name);
        if (*kind) {
            if (!inline_value) {
                if (i + 1 >= args.size()) throw UsageError("option " + name + " needs a value");
                value = args[++i];
            }
            out.values[name].push_back(value);
        } else {
            if (inline_value) throw UsageError("option " + name + " takes no value");
            out.values[name].push_back("");
        }
    }
    return out;
}

namespace {

// Characters that steer a terminal or reorder what it shows: the C1 controls (U+0080..U+009F),
// the bidirectional overrides and isolates, the line and paragraph separators.
bool invisible_control(std::string_view ch) {
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(ch[i]); };
    if (ch.size() == 2) return b(0) == 0xc2 && b(1) < 0xa0;
    if (ch.size() != 3 || b(0) != 0xe2) return false;
    if (b(1) == 0x80) return (b(2) >= 0x8e && b(2) <= 0x8f) || (b(2) >= 0xa8 && b(2) <= 0xae);
    if (b(1) == 0x81) return b(2) >= 0xa6 && b(2) <= 0xa9;
    return false;
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        auto c = static_cast<unsigned char>(text[0]);
        std::size_t n = detail::utf8_sequence(text, 0);
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (n == 0 || c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
            n = 1;
        } else if (n > 1 && invisible_control(text.substr(0, n))) {
            for (std::size_t i = 0; i < n; ++i)
                out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
        } else {
            out.append(text.substr(0, n));
        }
        text.remove_prefix(n);
    }
    return out;
}

double parse_duration_seconds(const std::string& text) {
    // Digits, an optional fraction, then a unit; no sign, exponent, space, hex, inf or nan.
    std::size_t i = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
        ++i;
    std::size_t int_digits = i;
    std::size_t frac_digits = 0;
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9')
            ++i, ++frac_digits;
    }
    if (int_digits + frac_digits == 0) {
        throw UsageError("bad duration '" + text +
                         "' (a number and a unit: 500ms, 30s, 5m, 2h, 1d)");
    }
    double v = std::strtod(text.substr(0, i).c_str(), nullptr);
    std::string unit = text.substr(i);
    double scale = 0;
    if (unit.empty() || unit == "s") {
        scale = 1;
    } else if (unit == "ms") {
        scale = 1e-3;
    } else if (unit == "m") {
        scale = 60;
    } else if (unit == "h") {
        scale = 3600;
    } else if (unit == "d") {
        scale = 86400;
    } else {
        throw UsageError("bad duration unit in '" + text + "' (use ms, s, m, h or d)");
    }
    v *= scale;
    if (v > max_duration_seconds) {
        throw UsageError("duration '" + text + "' is longer than 10 years");
    }
    return v;
}

}  // namespace rtguard::cli
