#include "cli.hpp"

#include <cstdlib>

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

double parse_duration_seconds(const std::string& text) {
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || v < 0) throw UsageError("bad duration '" + text + "'");
    std::string unit(end);
    if (unit.empty() || unit == "s") return v;
    if (unit == "ms") return v / 1000;
    if (unit == "m") return v * 60;
    if (unit == "h") return v * 3600;
    throw UsageError("bad duration unit in '" + text + "' (use ms, s, m or h)");
}

}  // namespace rtguard::cli
