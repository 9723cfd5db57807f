// CVSS base scores: v2 (FIRST CVSS v2 guide), v3.0 and v3.1 (FIRST specifications, with
// each version's Roundup), and v4.0 (the MacroVector table and interpolation of the FIRST
// v4.0 specification).
#include "rtguard/cvss.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/core.h>

#include "rtguard/error.hpp"
#include "versions/version_detail.hpp"

namespace rtguard {
namespace {

// One metric of a vector version: its name, allowed values, and whether the base score
// needs it.
struct MetricDef {
    std::string_view name;
    std::initializer_list<std::string_view> values;
    bool required;
};

// The parsed metrics of one vector, name to value.
using Metrics = std::map<std::string_view, std::string_view, std::less<>>;

[[noreturn]] void bad_vector(std::string_view vector, const std::string& why) {
    std::string shown(vector.substr(0, 200));
    for (char& c : shown)
        if (static_cast<unsigned char>(c) < 0x20) c = '?';
    throw Error(errc::bad_vector, fmt::format("CVSS vector '{}': {}", shown, why));
}

// Splits "AV:N/AC:L/..." into metrics, checking each against `defs`.
Metrics parse_metrics(std::string_view vector, std::string_view body,
                      std::initializer_list<MetricDef> defs) {
    Metrics m;
    if (body.empty()) bad_vector(vector, "no metrics");
    size_t start = 0;
    while (start <= body.size()) {
        size_t slash = body.find('/', start);
        std::string_view part = body.substr(start, slash == body.npos ? body.npos : slash - start);
        start = slash == body.npos ? body.size() + 1 : slash + 1;

        size_t colon = part.find(':');
        if (part.empty()) bad_vector(vector, "empty metric (doubled or trailing '/')");
        if (colon == part.npos)
            bad_vector(vector, fmt::format("metric '{}' has no ':VALUE'", part));
        std::string_view name = part.substr(0, colon), value = part.substr(colon + 1);

        const MetricDef* def = nullptr;
        for (const auto& d : defs)
            if (d.name == name) def = &d;
        if (!def) bad_vector(vector, fmt::format("unknown metric '{}'", name));
        bool allowed = false;
        for (auto v : def->values)
            allowed = allowed || v == value;
        if (!allowed)
            bad_vector(vector, fmt::format("metric '{}' has invalid value '{}'", name, value));
        if (!m.emplace(name, value).second)
            bad_vector(vector, fmt::format("metric '{}' appears twice", name));
    }
    for (const auto& d : defs)
        if (d.required && !m.count(d.name))
            bad_vector(vector, fmt::format("missing base metric '{}'", d.name));
    return m;
}

template <size_t N>
double weight(const Metrics& m, std::string_view name,
              const std::array<std::pair<std::string_view, double>, N>& table) {
    std::string_view v = m.find(name)->second;
    for (const auto& [value, w] : table)
        if (value == v) return w;
    return 0.0;  // unreachable: values were checked while parsing
}

// ---------------------------------------------------------------------------------------
// CVSS v2

double score_v2(std::string_view vector) {
    Metrics m = parse_metrics(vector, vector,
                              {
                                  {"AV", {"L", "A", "N"}, true},
                                  {"AC", {"H", "M", "L"}, true},
                                  {"Au", {"M", "S", "N"}, true},
                                  {"C", {"N", "P", "C"}, true},
                                  {"I", {"N", "P", "C"}, true},
                                  {"A", {"N", "P", "C"}, true},
                                  {"E", {"U", "POC", "F", "H", "ND"}, false},
                                  {"RL", {"OF", "TF", "W", "U", "ND"}, false},
                                  {"RC", {"UC", "UR", "C", "ND"}, false},
                                  {"CDP", {"N", "L", "LM", "MH", "H", "ND"}, false},
                                  {"TD", {"N", "L", "M", "H", "ND"}, false},
                                  {"CR", {"L", "M", "H", "ND"}, false},
                                  {"IR", {"L", "M", "H", "ND"}, false},
                                  {"AR", {"L", "M", "H", "ND"}, false},
                              });
    using W3 = std::array<std::pair<std::string_view, double>, 3>;
    const W3 impact{{{"N", 0.0}, {"P", 0.275}, {"C", 0.660}}};
    double av = weight(m, "AV", W3{{{"L", 0.395}, {"A", 0.646}, {"N", 1.0}}});
    double ac = weight(m, "AC", W3{{{"H", 0.35}, {"M", 0.61}, {"L", 0.71}}});
    double au = weight(m, "Au", W3{{{"M", 0.45}, {"S", 0.56}, {"N", 0.704}}});
    double c = weight(m, "C", impact), i = weight(m, "I", impact), a = weight(m, "A", impact);

    double imp = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
    double exploitability = 20 * av * ac * au;
    double f = imp == 0 ? 0 : 1.176;
    double base = (0.6 * imp + 0.4 * exploitability - 1.5) * f;
    // Rounded to one decimal, halves up; the epsilon absorbs binary representation error.
    return std::floor(base * 10 + 0.5 + 1e-9) / 10;
}

// ---------------------------------------------------------------------------------------
// CVSS v3.0 and v3.1

// v3.1's Roundup works on an integer to avoid floating-point error (specification,
// Appendix A); v3.0 defined Roundup as the smallest one-decimal number not below the
// input, which the same integer method computes once the input is exact to 5 decimals.
double roundup_v3(double x) {
    auto n = static_cast<long long>(std::llround(x * 100000));
    if (n % 10000 == 0) return static_cast<double>(n) / 100000.0;
    return static_cast<double>(n / 10000 + 1) / 10.0;
}

double score_v3(std::string_view vector, std::string_view body) {
    Metrics m = parse_metrics(vector, body,
                              {
                                  {"AV", {"N", "A", "L", "P"}, true},
                                  {"AC", {"L", "H"}, true},
                                  {"PR", {"N", "L", "H"}, true},
                                  {"UI", {"N", "R"}, true},
                                  {"S", {"U", "C"}, true},
                                  {"C", {"H", "L", "N"}, true},
                                  {"I", {"H", "L", "N"}, true},
                                  {"A", {"H", "L", "N"}, true},
                                  {"E", {"X", "H", "F", "P", "U"}, false},
                                  {"RL", {"X", "U", "W", "T", "O"}, false},
                                  {"RC", {"X", "C", "R", "U"}, false},
                                  {"CR", {"X", "H", "M", "L"}, false},
                                  {"IR", {"X", "H", "M", "L"}, false},
                                  {"AR", {"X", "H", "M", "L"}, false},
                                  {"MAV", {"X", "N", "A", "L", "P"}, false},
                                  {"MAC", {"X", "L", "H"}, false},
                                  {"MPR", {"X", "N", "L", "H"}, false},
                                  {"MUI", {"X", "N", "R"}, false},
                                  {"MS", {"X", "U", "C"}, false},
                                  {"MC", {"X", "H", "L", "N"}, false},
                                  {"MI", {"X", "H", "L", "N"}, false},
                                  {"MA", {"X", "H", "L", "N"}, false},
                              });
    bool changed = m.find("S")->second == "C";
    using W3 = std::array<std::pair<std::string_view, double>, 3>;
    const W3 cia{{{"H", 0.56}, {"L", 0.22}, {"N", 0.0}}};
    double av = weight(m, "AV",
                       std::array<std::pair<std::string_view, double>, 4>{
                           {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}}});
    double ac = weight(
        m, "AC", std::array<std::pair<std::string_view, double>, 2>{{{"L", 0.77}, {"H", 0.44}}});
    double pr = changed ? weight(m, "PR", W3{{{"N", 0.85}, {"L", 0.68}, {"H", 0.5}}})
                        : weight(m, "PR", W3{{{"N", 0.85}, {"L", 0.62}, {"H", 0.27}}});
    double ui = weight(
        m, "UI", std::array<std::pair<std::string_view, double>, 2>{{{"N", 0.85}, {"R", 0.62}}});
    double c = weight(m, "C", cia), i = weight(m, "I", cia), a = weight(m, "A", cia);

    double iss = 1 - (1 - c) * (1 - i) * (1 - a);
    double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
    double exploitability = 8.22 * av * ac * pr * ui;
    if (impact <= 0) return 0.0;
    double raw = changed ? 1.08 * (impact + exploitability) : impact + exploitability;
    return roundup_v3(std::min(raw, 10.0));
}

// ---------------------------------------------------------------------------------------
// CVSS v4.0

constexpr double no_macro = -1;  // MacroVectors that cannot occur (EQ3 = 2 with EQ6 = 0)

// Score of each MacroVector, indexed [EQ1][EQ2][EQ3][EQ4][EQ5][EQ6], from the lookup table
// of the FIRST CVSS v4.0 specification and calculator.
constexpr double macro_scores[3][2][3][3][3][2] = {
    // EQ1 = 0
    {
        // EQ2 = 0
        {{{{10, 9.9}, {9.8, 9.5}, {9.5, 9.2}},
          {{10, 9.6}, {9.3, 8.7}, {9.1, 8.1}},
          {{9.3, 9}, {8.9, 8}, {8.1, 6.8}}},
         {{{9.8, 9.5}, {9.5, 9.2}, {9, 8.4}},
          {{9.3, 9.2}, {8.9, 8.1}, {8.1, 6.5}},
          {{8.8, 8}, {7.8, 7}, {6.9, 4.8}}},
         {{{no_macro, 9.2}, {no_macro, 8.2}, {no_macro, 7.2}},
          {{no_macro, 7.9}, {no_macro, 6.9}, {no_macro, 5}},
          {{no_macro, 6.9}, {no_macro, 5.5}, {no_macro, 2.7}}}},
        // EQ2 = 1
        {{{{9.9, 9.7}, {9.5, 9.2}, {9.2, 8.5}},
          {{9.5, 9.1}, {9, 8.3}, {8.4, 7.1}},
          {{9.2, 8.1}, {8.2, 7.1}, {7.2, 5.3}}},
         {{{9.5, 9.3}, {9.2, 8.5}, {8.5, 7.3}},
          {{9.2, 8.2}, {8, 7.2}, {7, 5.9}},
          {{8.4, 7}, {7.1, 5.2}, {5, 3}}},
         {{{no_macro, 8.6}, {no_macro, 7.5}, {no_macro, 5.2}},
          {{no_macro, 7.1}, {no_macro, 5.2}, {no_macro, 2.9}},
          {{no_macro, 6.3}, {no_macro, 2.9}, {no_macro, 1.7}}}},
    },
    // EQ1 = 1
    {
        {{{{9.8, 9.5}, {9.4, 8.7}, {9.1, 8.1}},
          {{9.4, 8.9}, {8.6, 7.4}, {7.7, 6.4}},
          {{8.7, 7.5}, {7.4, 6.3}, {6.3, 4.9}}},
         {{{9.4, 8.9}, {8.8, 7.7}, {7.6, 6.7}},
          {{8.6, 7.6}, {7.4, 5.8}, {5.9, 5}},
          {{7.2, 5.7}, {5.7, 5.2}, {5.2, 2.5}}},
         {{{no_macro, 8.3}, {no_macro, 7}, {no_macro, 5.4}},
          {{no_macro, 6.5}, {no_macro, 5.8}, {no_macro, 2.6}},
          {{no_macro, 5.3}, {no_macro, 2.1}, {no_macro, 1.3}}}},
        {{{{9.5, 9}, {8.8, 7.6}, {7.6, 7}},
          {{9, 7.7}, {7.5, 6.2}, {6.1, 5.3}},
          {{7.7, 6.6}, {6.8, 5.9}, {5.2, 3}}},
         {{{8.9, 7.8}, {7.6, 6.7}, {6.2, 5.8}},
          {{7.4, 5.9}, {5.7, 5.7}, {4.7, 2.3}},
          {{6.1, 5.2}, {5.7, 2.9}, {2.4, 1.6}}},
         {{{no_macro, 7.1}, {no_macro, 5.9}, {no_macro, 3}},
          {{no_macro, 5.8}, {no_macro, 2.6}, {no_macro, 1.5}},
          {{no_macro, 2.3}, {no_macro, 1.3}, {no_macro, 0.6}}}},
    },
    // EQ1 = 2
    {
        {{{{9.3, 8.7}, {8.6, 7.2}, {7.5, 5.8}},
          {{8.6, 7.4}, {7.4, 6.1}, {5.6, 3.4}},
          {{7, 5.4}, {5.2, 4}, {4, 2.2}}},
         {{{8.5, 7.5}, {7.4, 5.5}, {6.2, 5.1}},
          {{7.2, 5.7}, {5.5, 4.1}, {4.6, 1.9}},
          {{5.3, 3.6}, {3.4, 1.9}, {1.9, 0.8}}},
         {{{no_macro, 6.4}, {no_macro, 5.1}, {no_macro, 2}},
          {{no_macro, 4.7}, {no_macro, 2.1}, {no_macro, 1.1}},
          {{no_macro, 2.4}, {no_macro, 0.9}, {no_macro, 0.4}}}},
        {{{{8.8, 7.5}, {7.3, 5.3}, {6, 5}},
          {{7.3, 5.5}, {5.9, 4}, {4.1, 2}},
          {{5.4, 4.3}, {4.5, 2.2}, {2, 1.1}}},
         {{{7.5, 5.5}, {5.8, 4.5}, {4, 2.1}},
          {{6.1, 5.1}, {4.8, 1.8}, {2, 0.9}},
          {{4.6, 1.8}, {1.7, 0.7}, {0.8, 0.2}}},
         {{{no_macro, 5.3}, {no_macro, 2.4}, {no_macro, 1.4}},
          {{no_macro, 2.4}, {no_macro, 1.2}, {no_macro, 0.5}},
          {{no_macro, 1}, {no_macro, 0.3}, {no_macro, 0.1}}}},
    },
};

using Eq = std::array<int, 6>;

double macro_score(const Eq& eq) {
    static constexpr int limits[6] = {3, 2, 3, 3, 3, 2};
    for (size_t k = 0; k < 6; ++k)
        if (eq[k] < 0 || eq[k] >= limits[k]) return no_macro;
    return macro_scores[eq[0]][eq[1]][eq[2]][eq[3]][eq[4]][eq[5]];
}

// Severity levels of each metric value: the distance from the most severe value, in steps
// of 0.1, as the specification's scoring uses them.
double level(std::string_view metric, std::string_view value) {
    struct Level {
        std::string_view metric, value;
        double level;
    };
    static constexpr Level levels[] = {
        {"AV", "N", 0.0}, {"AV", "A", 0.1}, {"AV", "L", 0.2}, {"AV", "P", 0.3}, {"PR", "N", 0.0},
        {"PR", "L", 0.1}, {"PR", "H", 0.2}, {"UI", "N", 0.0}, {"UI", "P", 0.1}, {"UI", "A", 0.2},
        {"AC", "L", 0.0}, {"AC", "H", 0.1}, {"AT", "N", 0.0}, {"AT", "P", 0.1}, {"VC", "H", 0.0},
        {"VC", "L", 0.1}, {"VC", "N", 0.2}, {"VI", "H", 0.0}, {"VI", "L", 0.1}, {"VI", "N", 0.2},
        {"VA", "H", 0.0}, {"VA", "L", 0.1}, {"VA", "N", 0.2}, {"SC", "H", 0.1}, {"SC", "L", 0.2},
        {"SC", "N", 0.3}, {"SI", "S", 0.0}, {"SI", "H", 0.1}, {"SI", "L", 0.2}, {"SI", "N", 0.3},
        {"SA", "S", 0.0}, {"SA", "H", 0.1}, {"SA", "L", 0.2}, {"SA", "N", 0.3}, {"CR", "H", 0.0},
        {"CR", "M", 0.1}, {"CR", "L", 0.2}, {"IR", "H", 0.0}, {"IR", "M", 0.1}, {"IR", "L", 0.2},
        {"AR", "H", 0.0}, {"AR", "M", 0.1}, {"AR", "L", 0.2},
    };
    for (const auto& l : levels)
        if (l.metric == metric && l.value == value) return l.level;
    return 0.0;
}

// The highest-severity vectors of each EQ level, which a vector is measured against.
using Parts = std::vector<std::pair<std::string_view, std::string_view>>;

const std::vector<Parts>& eq1_max(int level) {
    static const std::vector<Parts> table[3] = {
        {{{"AV", "N"}, {"PR", "N"}, {"UI", "N"}}},
        {{{"AV", "A"}, {"PR", "N"}, {"UI", "N"}},
         {{"AV", "N"}, {"PR", "L"}, {"UI", "N"}},
         {{"AV", "N"}, {"PR", "N"}, {"UI", "P"}}},
        {{{"AV", "P"}, {"PR", "N"}, {"UI", "N"}}, {{"AV", "A"}, {"PR", "L"}, {"UI", "P"}}},
    };
    return table[level];
}

const std::vector<Parts>& eq2_max(int level) {
    static const std::vector<Parts> table[2] = {
        {{{"AC", "L"}, {"AT", "N"}}},
        {{{"AC", "H"}, {"AT", "N"}}, {{"AC", "L"}, {"AT", "P"}}},
    };
    return table[level];
}

const std::vector<Parts>& eq3eq6_max(int eq3, int eq6) {
    auto v = [](std::string_view vc, std::string_view vi, std::string_view va, std::string_view cr,
                std::string_view ir, std::string_view ar) {
        return Parts{{"VC", vc}, {"VI", vi}, {"VA", va}, {"CR", cr}, {"IR", ir}, {"AR", ar}};
    };
    static const std::vector<Parts> table[3][2] = {
        {{v("H", "H", "H", "H", "H", "H")},
         {v("H", "H", "L", "M", "M", "H"), v("H", "H", "H", "M", "M", "M")}},
        {{v("L", "H", "H", "H", "H", "H"), v("H", "L", "H", "H", "H", "H")},
         {v("L", "H", "L", "H", "M", "H"), v("L", "H", "H", "H", "M", "M"),
          v("H", "L", "H", "M", "H", "M"), v("H", "L", "L", "M", "H", "H"),
          v("L", "L", "H", "H", "H", "M")}},
        {{}, {v("L", "L", "L", "H", "H", "H")}},
    };
    return table[eq3][eq6];
}

const std::vector<Parts>& eq4_max(int level) {
    static const std::vector<Parts> table[3] = {
        {{{"SC", "H"}, {"SI", "S"}, {"SA", "S"}}},
        {{{"SC", "H"}, {"SI", "H"}, {"SA", "H"}}},
        {{{"SC", "L"}, {"SI", "L"}, {"SA", "L"}}},
    };
    return table[level];
}

// Depth of each EQ level: the largest severity distance within it, in 0.1 steps.
constexpr int eq1_depth[3] = {1, 4, 5};
constexpr int eq2_depth[2] = {1, 2};
constexpr int eq3eq6_depth[3][2] = {{7, 6}, {8, 8}, {0, 10}};
constexpr int eq4_depth[3] = {6, 5, 4};

double score_v4(std::string_view vector, std::string_view body) {
    Metrics m = parse_metrics(vector, body,
                              {
                                  {"AV", {"N", "A", "L", "P"}, true},
                                  {"AC", {"L", "H"}, true},
                                  {"AT", {"N", "P"}, true},
                                  {"PR", {"N", "L", "H"}, true},
                                  {"UI", {"N", "P", "A"}, true},
                                  {"VC", {"H", "L", "N"}, true},
                                  {"VI", {"H", "L", "N"}, true},
                                  {"VA", {"H", "L", "N"}, true},
                                  {"SC", {"H", "L", "N"}, true},
                                  {"SI", {"H", "L", "N"}, true},
                                  {"SA", {"H", "L", "N"}, true},
                                  {"E", {"X", "A", "P", "U"}, false},
                                  {"CR", {"X", "H", "M", "L"}, false},
                                  {"IR", {"X", "H", "M", "L"}, false},
                                  {"AR", {"X", "H", "M", "L"}, false},
                                  {"MAV", {"X", "N", "A", "L", "P"}, false},
                                  {"MAC", {"X", "L", "H"}, false},
                                  {"MAT", {"X", "N", "P"}, false},
                                  {"MPR", {"X", "N", "L", "H"}, false},
                                  {"MUI", {"X", "N", "P", "A"}, false},
                                  {"MVC", {"X", "H", "L", "N"}, false},
                                  {"MVI", {"X", "H", "L", "N"}, false},
                                  {"MVA", {"X", "H", "L", "N"}, false},
                                  {"MSC", {"X", "H", "L", "N"}, false},
                                  {"MSI", {"X", "S", "H", "L", "N"}, false},
                                  {"MSA", {"X", "S", "H", "L", "N"}, false},
                                  {"S", {"X", "N", "P"}, false},
                                  {"AU", {"X", "N", "Y"}, false},
                                  {"R", {"X", "A", "U", "I"}, false},
                                  {"V", {"X", "D", "C"}, false},
                                  {"RE", {"X", "L", "M", "H"}, false},
                                  {"U", {"X", "Clear", "Green", "Amber", "Red"}, false},
                              });

    // The base score reads the base metrics only: threat and environmental metrics take
    // their "not defined" values (E:A and CR/IR/AR:H, the worst case).
    auto get = [&](std::string_view metric) -> std::string_view {
        if (metric == "E") return "A";
        if (metric == "CR" || metric == "IR" || metric == "AR") return "H";
        if (metric == "MSI" || metric == "MSA") return "X";
        return m.find(metric)->second;
    };

    // No impact at all scores 0.
    bool no_impact = true;
    for (auto k : {"VC", "VI", "VA", "SC", "SI", "SA"})
        no_impact = no_impact && get(k) == "N";
    if (no_impact) return 0.0;

    // The MacroVector (EQ1..EQ6).
    auto is = [&](std::string_view metric, std::string_view v) { return get(metric) == v; };
    Eq eq{};
    bool all_n = is("AV", "N") && is("PR", "N") && is("UI", "N");
    bool any_n = is("AV", "N") || is("PR", "N") || is("UI", "N");
    eq[0] = all_n ? 0 : (any_n && !is("AV", "P")) ? 1 : 2;
    eq[1] = is("AC", "L") && is("AT", "N") ? 0 : 1;
    eq[2] = is("VC", "H") && is("VI", "H")                      ? 0
            : (is("VC", "H") || is("VI", "H") || is("VA", "H")) ? 1
                                                                : 2;
    eq[3] = (is("MSI", "S") || is("MSA", "S"))                  ? 0
            : (is("SC", "H") || is("SI", "H") || is("SA", "H")) ? 1
                                                                : 2;
    eq[4] = is("E", "A") ? 0 : is("E", "P") ? 1 : 2;
    eq[5] = (is("CR", "H") && is("VC", "H")) || (is("IR", "H") && is("VI", "H")) ||
                    (is("AR", "H") && is("VA", "H"))
                ? 0
                : 1;

    double value = macro_score(eq);

    // Scores of the next lower MacroVector along each EQ; EQ3 and EQ6 move together.
    auto lower = [&](size_t k) {
        Eq next = eq;
        ++next[k];
        return macro_score(next);
    };
    double lower_eq1 = lower(0), lower_eq2 = lower(1), lower_eq4 = lower(3), lower_eq5 = lower(4);
    double lower_eq3eq6;
    {
        Eq left = eq, right = eq;
        if (eq[2] == 0 && eq[5] == 0) {
            ++left[5];
            ++right[2];
            lower_eq3eq6 = std::max(macro_score(left), macro_score(right));
        } else if (eq[2] == 1 && eq[5] == 0) {
            ++left[5];
            lower_eq3eq6 = macro_score(left);
        } else if (eq[5] == 1 && eq[2] < 2) {
            ++right[2];
            lower_eq3eq6 = macro_score(right);
        } else {
            lower_eq3eq6 = no_macro;  // EQ3 = 2, EQ6 = 1: nothing lower
        }
    }

    // The first highest-severity vector of this MacroVector that the vector does not
    // exceed in any metric.
    static constexpr std::string_view distance_metrics[] = {
        "AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR"};
    std::map<std::string_view, double> distance;
    bool found = false;
    for (const auto& p1 : eq1_max(eq[0])) {
        for (const auto& p2 : eq2_max(eq[1])) {
            for (const auto& p36 : eq3eq6_max(eq[2], eq[5])) {
                for (const auto& p4 : eq4_max(eq[3])) {
                    std::map<std::string_view, std::string_view> max;
                    for (const Parts* parts : {&p1, &p2, &p36, &p4})
                        for (const auto& [k, v] : *parts)
                            max[k] = v;
                    bool all_non_negative = true;
                    for (auto k : distance_metrics) {
                        // A Safety value of MSI/MSA counts against SI/SA.
                        std::string_view mine = get(k);
                        if ((k == "SI" && is("MSI", "S")) || (k == "SA" && is("MSA", "S")))
                            mine = "S";
                        distance[k] = level(k, mine) - level(k, max[k]);
                        all_non_negative = all_non_negative && distance[k] >= 0;
                    }
                    if (all_non_negative) found = true;
                    if (found) break;
                }
                if (found) break;
            }
            if (found) break;
        }
        if (found) break;
    }

    double d_eq1 = distance["AV"] + distance["PR"] + distance["UI"];
    double d_eq2 = distance["AC"] + distance["AT"];
    double d_eq3eq6 = distance["VC"] + distance["VI"] + distance["VA"] + distance["CR"] +
                      distance["IR"] + distance["AR"];
    double d_eq4 = distance["SC"] + distance["SI"] + distance["SA"];

    // Each EQ that has a lower MacroVector moves the score towards it by the share of the
    // level's depth that the vector sits below its highest-severity vector; the mean of
    // those moves is taken off the MacroVector's score.
    constexpr double step = 0.1;
    int existing = 0;
    double total = 0;
    auto add = [&](double lower_score, double dist, double depth) {
        if (lower_score == no_macro) return;
        ++existing;
        if (depth > 0) total += (value - lower_score) * (dist / (depth * step));
    };
    add(lower_eq1, d_eq1, eq1_depth[eq[0]]);
    add(lower_eq2, d_eq2, eq2_depth[eq[1]]);
    add(lower_eq3eq6, d_eq3eq6, eq3eq6_depth[eq[2]][eq[5]]);
    add(lower_eq4, d_eq4, eq4_depth[eq[3]]);
    add(lower_eq5, 0, 0);  // EQ5 (exploit maturity) has no depth: it never moves

    if (existing > 0) value -= total / existing;
    value = std::clamp(value, 0.0, 10.0);
    // One decimal, halves up, after adding the specification's epsilon of 1e-6.
    return std::floor((value + 1e-6) * 10 + 0.5) / 10;
}

Severity rating(double score, bool v2) {
    if (v2) return score < 4.0 ? Severity::low : score < 7.0 ? Severity::medium : Severity::high;
    if (score == 0.0) return Severity::none;
    if (score < 4.0) return Severity::low;
    if (score < 7.0) return Severity::medium;
    if (score < 9.0) return Severity::high;
    return Severity::critical;
}

}  // namespace

CvssScore score_cvss(std::string_view vector) {
    std::string_view v = detail::versions::trim_space(vector);
    CvssScore out;
    if (v.empty()) bad_vector(vector, "empty vector");

    if (v.substr(0, 5) != "CVSS:") {
        // Only v2 vectors come without a prefix.
        out.version = "2.0";
        out.base = score_v2(v);
        out.severity = rating(out.base, true);
        return out;
    }
    size_t slash = v.find('/');
    std::string_view prefix = v.substr(0, slash);
    std::string_view body = slash == v.npos ? std::string_view{} : v.substr(slash + 1);
    if (prefix == "CVSS:3.0" || prefix == "CVSS:3.1") {
        out.version = std::string(prefix.substr(5));
        out.base = score_v3(vector, body);
    } else if (prefix == "CVSS:4.0") {
        out.version = "4.0";
        out.base = score_v4(vector, body);
    } else {
        bad_vector(vector, fmt::format("unknown prefix '{}' (expected CVSS:3.0, CVSS:3.1, "
                                       "CVSS:4.0, or none for v2)",
                                       prefix));
    }
    out.severity = rating(out.base, false);
    return out;
}

}  // namespace rtguard
