// SbomMatcher: the advisory index and OSV's matching rules.
#include <algorithm>
#include <array>
#include <cctype>
#include <numeric>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "rtguard/error.hpp"
#include "rtguard/matcher.hpp"
#include "sbom/ecosystem.hpp"
#include "sbom/osv_feed.hpp"

namespace rtguard {
namespace {

using detail::no_time;
using detail::OsvAffected;
using detail::OsvEvent;
using detail::OsvEventKind;
using detail::OsvRange;
using detail::OsvRangeKind;
using detail::OsvRecord;

std::string index_key(std::string_view base, std::string_view name) {
    std::string key(base);
    key += '\x1f';
    key += detail::index_name(base, name);
    return key;
}

// Ecosystems' own words for their ratings, on the CVSS scale; Debian's and Ubuntu's
// "negligible" and "unimportant" are below low.
Severity rating_severity(std::string_view rating) {
    std::string r(rating);
    for (char& c : r)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (r == "negligible" || r == "unimportant") return Severity::low;
    return severity_from_string(r);
}

// "CVE-2021-1000" sorts after "CVE-2021-999": by year, then by number.
bool id_less(const std::string& a, const std::string& b) {
    bool ca = a.rfind("CVE-", 0) == 0, cb = b.rfind("CVE-", 0) == 0;
    if (ca != cb) return ca;
    if (ca && a.size() != b.size() && a.compare(0, 9, b, 0, 9) == 0) return a.size() < b.size();
    return a < b;
}

// Installed version validity per scheme, computed once per component.
class VersionCheck {
public:
    explicit VersionCheck(std::string_view v) : v_(v) {}
    bool valid(VersionScheme s) {
        auto i = static_cast<std::size_t>(s);
        if (i >= state_.size()) return false;
        if (state_[i] == 0) state_[i] = valid_version(s, v_) ? 1 : 2;
        return state_[i] == 1;
    }

private:
    std::string_view v_;
    std::array<std::uint8_t, 16> state_{};
};

// OSV's evaluation of one SEMVER or ECOSYSTEM range: walk the sorted events, "introduced"
// at or below the version opens, "fixed" at or below and "last_affected" below close;
// a version at or past every "limit" is outside. `next_fixed` receives the first fix above.
bool range_affects(const OsvRange& r, std::string_view v, std::string& next_fixed) {
    auto cmp = [&](std::string_view other) { return compare_versions(r.scheme, v, other); };
    if (r.has_limit) {
        bool below = false;
        for (const auto& e : r.events)
            if (e.kind == OsvEventKind::limit && (e.version == "*" || cmp(e.version) < 0))
                below = true;
        if (!below) return false;
    }

    bool affected = false;
    std::size_t k = 0;
    for (; k < r.events.size(); ++k) {
        const OsvEvent& e = r.events[k];
        if (e.kind == OsvEventKind::introduced && e.version == "0") {
            affected = true;
            continue;
        }
        if (e.kind == OsvEventKind::limit) continue;
        int c = cmp(e.version);
        if (c < 0) break;  // sorted: no later event is at or below v
        if (e.kind == OsvEventKind::introduced)
            affected = true;
        else if (e.kind == OsvEventKind::fixed)
            affected = false;
        else if (e.kind == OsvEventKind::last_affected && c > 0)
            affected = false;
    }
    if (!affected) return false;
    for (; k < r.events.size(); ++k) {
        if (r.events[k].kind == OsvEventKind::fixed) {
            next_fixed = std::string(r.events[k].version);
            break;
        }
    }
    return true;
}

// GIT ranges need the repository's history to be ordered; with only the component's commit
// known, an exact hit on an event is all that can be decided.
bool git_range_affects(const OsvRange& r, std::string_view commit) {
    bool affected = false;
    for (const auto& e : r.events) {
        if (e.version != commit) continue;
        affected = e.kind == OsvEventKind::introduced || e.kind == OsvEventKind::last_affected;
    }
    return affected;
}

struct Hit {
    std::uint32_t record;
    std::uint32_t affected;
    std::vector<std::string> fixed;
};

}  // namespace

struct SbomMatcher::Impl {
    struct Entry {
        std::uint32_t record;
        std::uint32_t affected;
    };

    detail::OsvParser parser;  // for load_record
    std::vector<detail::StringArena> arenas;
    std::vector<OsvRecord> records;
    std::unordered_map<std::string_view, std::uint32_t> by_id;
    std::vector<FeedProblem> problems;
    std::unordered_map<std::string, std::vector<Entry>> index;
    std::size_t indexed = 0;  // records[0, indexed) are in the index

    Impl() { arenas.emplace_back(); }  // arenas[0] holds records loaded one by one

    // Keeps the newer of two records with one id (feeds overlap: a directory and a zip).
    void add(OsvRecord&& r, FeedLoadStats& stats) {
        auto it = by_id.find(r.id);
        if (it != by_id.end()) {
            ++stats.superseded;
            OsvRecord& old = records[it->second];
            if (r.modified_s >= old.modified_s) {
                old = std::move(r);
                by_id.erase(it);
                by_id.emplace(old.id, static_cast<std::uint32_t>(&old - records.data()));
                indexed = 0;  // the replaced record's entries are stale
            }
            return;
        }
        ++stats.records;
        if (r.withdrawn) ++stats.withdrawn;
        by_id.emplace(r.id, static_cast<std::uint32_t>(records.size()));
        records.push_back(std::move(r));
    }

    // Adds the records loaded since the last call; starts over after a replacement.
    void update_index() {
        if (indexed == 0) index.clear();
        for (auto i = static_cast<std::uint32_t>(indexed); i < records.size(); ++i) {
            const auto& rec = records[i];
            for (std::uint32_t a = 0; a < rec.affected.size(); ++a) {
                const auto& aff = rec.affected[a];
                if (aff.name.empty()) continue;  // GIT-only entries name no package
                index[index_key(aff.base, aff.name)].push_back({i, a});
            }
        }
        indexed = records.size();
    }

    std::vector<Hit> hits_for(const Component& c, MatchResult& result) const;
    Finding finding_for(const Component& c, const std::vector<const Hit*>& group) const;
};

SbomMatcher::SbomMatcher() : impl_(std::make_unique<Impl>()) {}
SbomMatcher::~SbomMatcher() = default;
SbomMatcher::SbomMatcher(SbomMatcher&&) noexcept = default;
SbomMatcher& SbomMatcher::operator=(SbomMatcher&&) noexcept = default;

FeedLoadStats SbomMatcher::load_feed(const std::string& path) {
    detail::FeedContent content =
        detail::read_feed(path, std::max(1u, std::thread::hardware_concurrency()));
    FeedLoadStats stats = content.stats;
    for (auto& arena : content.arenas)
        impl_->arenas.push_back(std::move(arena));
    for (auto& p : content.problems)
        impl_->problems.push_back(std::move(p));
    for (auto& r : content.records)
        impl_->add(std::move(r), stats);
    impl_->update_index();
    return stats;
}

bool SbomMatcher::load_record(std::string_view json, const std::string& name) {
    std::string buf(json);
    std::size_t size = buf.size();
    buf.resize(size + detail::OsvParser::padding(), '\0');
    OsvRecord rec;
    static const std::string no_member;
    detail::StringArena& arena = impl_->arenas.front();
    if (!impl_->parser.parse(buf.data(), size, buf.size(), name, no_member, arena, rec,
                             impl_->problems))
        return false;
    rec.origin = arena.store(name);
    FeedLoadStats stats;
    impl_->add(std::move(rec), stats);
    impl_->update_index();
    return true;
}

const std::vector<FeedProblem>& SbomMatcher::problems() const noexcept {
    return impl_->problems;
}

std::size_t SbomMatcher::advisory_count() const noexcept {
    return impl_->records.size();
}

bool SbomMatcher::withdrawn(std::string_view id) const {
    auto it = impl_->by_id.find(id);
    return it != impl_->by_id.end() && impl_->records[it->second].withdrawn;
}

std::vector<Hit> SbomMatcher::Impl::hits_for(const Component& c, MatchResult& result) const {
    std::vector<Hit> hits;
    auto it = index.find(index_key(c.ecosystem, c.match_name));
    if (it == index.end()) return hits;

    const std::string& v = c.match_version;
    VersionCheck check(v);
    for (const Entry& e : it->second) {
        const OsvRecord& rec = records[e.record];
        const OsvAffected& aff = rec.affected[e.affected];
        if (rec.withdrawn) continue;

        // Distribution advisories hold for one release; an unknown release is flagged.
        if (!aff.release.empty() && !c.release_unknown && aff.release != c.release) continue;

        Hit hit{e.record, e.affected, {}};
        bool affected =
            std::find(aff.versions.begin(), aff.versions.end(), v) != aff.versions.end();
        for (const auto& r : aff.ranges) {
            if (r.kind == OsvRangeKind::git) {
                if (!c.commit.empty() && git_range_affects(r, c.commit)) affected = true;
                continue;
            }
            if (!r.evaluable || !check.valid(r.scheme)) continue;
            std::string next_fixed;
            try {
                if (!range_affects(r, v, next_fixed)) continue;
            } catch (const Error& err) {
                result.version_errors.push_back(
                    {c.name, c.version, c.purl, c.where,
                     "cannot compare with " + std::string(rec.id) + ": " + err.message()});
                continue;
            }
            affected = true;
            if (!next_fixed.empty()) hit.fixed.push_back(std::move(next_fixed));
        }
        if (affected) hits.push_back(std::move(hit));
    }
    return hits;
}

Finding SbomMatcher::Impl::finding_for(const Component& c,
                                       const std::vector<const Hit*>& group) const {
    Finding f;
    f.component = {c.name, c.purl, c.ecosystem + (c.release.empty() ? "" : ":" + c.release), c.ref};
    f.installed_version = c.match_version;

    std::int64_t published = no_time, modified = no_time;
    double best = -1.0;
    Severity best_severity = Severity::unknown, rated = Severity::unknown;
    auto consider = [&](double score, Severity s, std::string_view vector) {
        if (score > best) {
            best = score;
            best_severity = s;
            f.cvss_vector = std::string(vector);
        }
    };
    auto rate = [&](std::string_view id, std::string_view rating) {
        if (rating.empty()) return;
        EcosystemSeverity es{std::string(id), std::string(rating)};
        bool dup =
            std::any_of(f.ecosystem_severities.begin(), f.ecosystem_severities.end(),
                        [&](const auto& x) { return x.advisory == id && x.rating == rating; });
        if (!dup) f.ecosystem_severities.push_back(es);
        rated = std::max(rated, rating_severity(rating));
    };

    for (const Hit* h : group) {
        const OsvRecord& rec = records[h->record];
        const OsvAffected& aff = rec.affected[h->affected];
        f.advisories.emplace_back(rec.id);
        f.aliases.emplace_back(rec.id);
        f.aliases.insert(f.aliases.end(), rec.aliases.begin(), rec.aliases.end());
        f.related.insert(f.related.end(), rec.related.begin(), rec.related.end());
        f.fixed_versions.insert(f.fixed_versions.end(), h->fixed.begin(), h->fixed.end());
        f.custom_fixed_versions.insert(f.custom_fixed_versions.end(), aff.custom_fixed.begin(),
                                       aff.custom_fixed.end());
        if (c.release_unknown && !aff.release.empty()) f.releases.emplace_back(aff.ecosystem);

        consider(rec.score, rec.cvss_severity, rec.vector);
        consider(aff.score, aff.cvss_severity, aff.vector);
        rate(rec.id, rec.rating);
        rate(rec.id, aff.rating);

        if (rec.published_s != no_time && (published == no_time || rec.published_s < published)) {
            published = rec.published_s;
            f.published = std::string(rec.published);
        }
        if (rec.modified_s != no_time && (modified == no_time || rec.modified_s > modified)) {
            modified = rec.modified_s;
            f.modified = std::string(rec.modified);
        }
    }

    auto unique_sorted = [](std::vector<std::string>& v, auto less) {
        std::sort(v.begin(), v.end(), less);
        v.erase(std::unique(v.begin(), v.end()), v.end());
    };
    unique_sorted(f.advisories, id_less);
    unique_sorted(f.aliases, id_less);
    unique_sorted(f.related, id_less);
    std::erase_if(f.related, [&](const std::string& id) {
        return std::binary_search(f.aliases.begin(), f.aliases.end(), id, id_less);
    });
    unique_sorted(f.fixed_versions, std::less<>());
    unique_sorted(f.custom_fixed_versions, std::less<>());
    unique_sorted(f.releases, std::less<>());
    f.id = f.aliases.front();

    // Summary of the representative record when it has one, else of the first that does.
    for (const Hit* h : group) {
        const OsvRecord& rec = records[h->record];
        if (rec.summary.empty()) continue;
        if (f.summary.empty() || rec.id == f.id) f.summary = std::string(rec.summary);
    }

    f.release_unknown = c.release_unknown && !f.releases.empty();
    if (best >= 0) {
        f.score = best;
        f.severity = best_severity;
    } else {
        f.severity = rated;
    }
    return f;
}

MatchResult SbomMatcher::match(const Sbom& sbom, const MatchOptions& options) const {
    MatchResult result;
    result.sbom_file = sbom.file();
    result.sbom_name = sbom.name();
    std::unordered_set<std::string> seen;

    for (const Component& c : sbom.components()) {
        // Components that cannot be looked up are listed, never dropped.
        std::string reason;
        if (c.purl.empty())
            reason = "no purl";
        else if (!c.purl_error.empty())
            reason = c.purl_error;
        else if (c.ecosystem.empty())
            reason = "purl type has no OSV ecosystem";
        else if (c.match_version.empty())
            reason = "no version";
        if (!reason.empty()) {
            result.unmatched.push_back({c.name, c.version, c.purl, c.where, reason});
            continue;
        }

        // The same package listed twice (one per binary that embeds it) is matched once.
        std::string key =
            c.ecosystem + '\x1f' + c.match_name + '\x1f' + c.match_version + '\x1f' + c.release;
        if (!seen.insert(key).second) continue;
        ++result.components;

        auto scheme = detail::scheme_for_base(c.ecosystem);
        std::string why;
        if (!scheme || !valid_version(*scheme, c.match_version, &why)) {
            std::string msg = "version \"" + c.match_version + "\" does not parse";
            if (scheme) msg += " as " + std::string(to_string(*scheme));
            if (!why.empty()) msg += ": " + why;
            msg += "; only exact version lists are checked";
            result.version_errors.push_back({c.name, c.version, c.purl, c.where, msg});
        }

        std::vector<Hit> hits = impl_->hits_for(c, result);
        if (hits.empty()) continue;

        // Records that share an id or alias describe one vulnerability: union them.
        std::vector<std::size_t> parent(hits.size());
        std::iota(parent.begin(), parent.end(), 0);
        auto root = [&](std::size_t i) {
            while (parent[i] != i)
                i = parent[i] = parent[parent[i]];
            return i;
        };
        std::unordered_map<std::string_view, std::size_t> owner;
        for (std::size_t i = 0; i < hits.size(); ++i) {
            const OsvRecord& rec = impl_->records[hits[i].record];
            auto claim = [&](std::string_view id) {
                auto [it, fresh] = owner.emplace(id, i);
                if (!fresh) parent[root(i)] = root(it->second);
            };
            claim(rec.id);
            for (const auto& a : rec.aliases)
                claim(a);
        }
        std::unordered_map<std::size_t, std::vector<const Hit*>> groups;
        for (std::size_t i = 0; i < hits.size(); ++i)
            groups[root(i)].push_back(&hits[i]);

        for (const auto& [r, group] : groups) {
            Finding f = impl_->finding_for(c, group);
            if (options.since) {
                std::string_view date =
                    options.since_field == SinceField::published ? f.published : f.modified;
                std::int64_t t = date.empty() ? no_time : detail::parse_time_seconds(date);
                if (t == no_time) {
                    ++result.undated;
                    ++result.filtered;
                    continue;
                }
                if (t <= options.since->time_since_epoch().count()) {
                    ++result.filtered;
                    continue;
                }
            }
            bool drop = f.severity == Severity::unknown
                            ? options.drop_unrated
                            : static_cast<int>(f.severity) < static_cast<int>(options.min_severity);
            if (drop) {
                ++result.filtered;
                continue;
            }
            if (f.release_unknown) ++result.release_unknown;
            result.findings.push_back(std::move(f));
        }
    }

    std::sort(result.findings.begin(), result.findings.end(),
              [](const Finding& a, const Finding& b) {
                  if (a.severity != b.severity) return a.severity > b.severity;
                  if (a.score != b.score) return a.score > b.score;
                  if (a.component.name != b.component.name)
                      return a.component.name < b.component.name;
                  if (a.installed_version != b.installed_version)
                      return a.installed_version < b.installed_version;
                  return id_less(a.id, b.id);
              });
    return result;
}

}  // namespace rtguard
