#include "rtguard/error.hpp"

#include <cerrno>

namespace rtguard {
namespace {

class Category : public std::error_category {
public:
    const char* name() const noexcept override { return "rtguard"; }

    std::string message(int code) const override {
        switch (static_cast<errc>(code)) {
            case errc::parse_error:
                return "malformed input";
            case errc::schema_mismatch:
                return "unsupported schema version";
            case errc::missing_field:
                return "missing field";
            case errc::bad_value:
                return "bad value";
            case errc::limit_exceeded:
                return "input limit exceeded";
            case errc::bad_version:
                return "unparsable version";
            case errc::bad_purl:
                return "invalid package URL";
            case errc::bad_vector:
                return "invalid CVSS vector";
            case errc::integrity:
                return "content hash mismatch";
            case errc::kernel_refused:
                return "kernel refused the BPF program";
            case errc::unsupported:
                return "unsupported on this machine";
            case errc::invalid_argument:
                return "invalid argument";
        }
        return "unknown rtguard error";
    }
};

std::string compose(const std::string& file, const std::string& where, const std::string& message) {
    std::string out;
    if (!file.empty()) out += file + ":";
    if (!where.empty()) out += where + ":";
    if (!out.empty()) out += " ";
    return out + message;
}

}  // namespace

const std::error_category& error_category() noexcept {
    static const Category category;
    return category;
}

Error::Error(std::error_code code, std::string message, std::string file, std::string where)
    : std::system_error(code, compose(file, where, message)),
      file_(std::move(file)),
      where_(std::move(where)),
      message_(std::move(message)),
      full_(compose(file_, where_, message_)) {}

Error Error::from_errno(int err, std::string message, std::string file) {
    return Error(std::error_code(err, std::system_category()),
                 message + ": " + std::generic_category().message(err), std::move(file));
}

}  // namespace rtguard
