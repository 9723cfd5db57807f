#include "cli.hpp"

#include <cstdlib>

#include <fmt/core.h>

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

// Length of the UTF-8 sequence at the start of `s`, 0 when it is not one.
std::size_t utf8_length(std::string_view s) {
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xc0) == 0x80; };
    unsigned char c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
        if (c == 0xed && b(1) >= 0xa0) return 0;  // surrogate
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xf0 && b(1) < 0x90) return 0;
        if (c == 0xf4 && b(1) >= 0x90) return 0;
        return 4;
    }
    return 0;
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        auto c = static_cast<unsigned char>(text[0]);
        std::size_t n = utf8_length(text);
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (n == 0 || c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
            n = 1;
        } else if (c == 0xc2 && static_cast<unsigned char>(text[1]) < 0xa0) {
            // U+0080..U+009F: the C1 controls, which some terminals act on too.
            out += fmt::format("\\x{:02x}\\x{:02x}", c, static_cast<unsigned char>(text[1]));
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
    if (int_digits > 12) {
        throw UsageError("duration '" + text + "' is longer than 10 years");
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
