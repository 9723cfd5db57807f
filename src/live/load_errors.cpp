#include "live/load_errors.hpp"

namespace rtguard::live {

std::string verifier_tail(std::string_view log, std::size_t lines) {
    std::vector<std::string_view> kept;
    std::size_t end = log.size();
    while (end > 0 && kept.size() < lines) {
        std::size_t newline = log.rfind('\n', end - 1);
        std::size_t start = newline == std::string_view::npos ? 0 : newline + 1;
        std::string_view line = log.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.remove_suffix(1);
        bool framing = line.starts_with("processed ") ||
                       line.find("-- END PROG LOAD LOG") != std::string_view::npos ||
                       line.find("-- BEGIN PROG LOAD LOG") != std::string_view::npos ||
                       line.starts_with("verification time") || line.starts_with("stack depth");
        if (!line.empty() && !framing) kept.insert(kept.begin(), line);
        end = newline == std::string_view::npos ? 0 : newline;
    }
    std::string out;
    for (auto l : kept)
        out += (out.empty() ? "" : " | ") + std::string(l);
    return out;
}

LoadFailure explain_load_failure(const std::vector<std::string>& warnings,
                                 std::string_view verifier) {
    LoadFailure f;

    // libbpf names the program as "prog 'NAME': REASON"; the first such line has the reason.
    for (const auto& w : warnings) {
        auto p = w.find("prog '");
        if (p == std::string::npos) continue;
        auto q = w.find('\'', p + 6);
        if (q == std::string::npos) continue;
        if (f.program.empty()) f.program = w.substr(p + 6, q - p - 6);
        if (f.reason.empty() && w.compare(q + 1, 2, ": ") == 0) f.reason = w.substr(q + 3);
    }
    if (f.reason.empty() && !warnings.empty()) f.reason = warnings.back();
    if (f.reason.starts_with("libbpf: ")) f.reason.erase(0, 8);
    if (!verifier.empty())
        f.reason += (f.reason.empty() ? "verifier: " : "; verifier: ") + std::string(verifier);
    return f;
}

}  // namespace rtguard::live
