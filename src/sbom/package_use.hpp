// Internal: the order of package uses that the usage report and the findings share.
#pragma once

#include "rtguard/inventory.hpp"

namespace rtguard::detail {

/// Used first, then pattern-only, then unused.
inline int use_rank(PackageUse u) noexcept {
    switch (u) {
        case PackageUse::used:
            return 0;
        case PackageUse::pattern:
            return 1;
        case PackageUse::unused:
            return 2;
    }
    return 2;
}

}  // namespace rtguard::detail
