#include "events/record_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "rtguard/error.hpp"

namespace rtguard::detail {
namespace {

constexpr std::size_t read_buffer_bytes = 64 * 1024;

}  // namespace

RecordReader::RecordReader(std::string path, Framing framing, std::size_t max_bytes,
                           std::size_t padding)
    : framing_(framing), max_bytes_(max_bytes), padding_(padding), buffer_(read_buffer_bytes) {
    if (path == "-") {
        name_ = "<stdin>";
        fd_ = STDIN_FILENO;
        return;
    }

    name_ = std::move(path);
    fd_ = ::open(name_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error::from_errno(errno, "cannot open", name_);
    own_fd_ = true;

    // read(2) on a directory fails only later and less clearly; say so up front.
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        throw Error::from_errno(EISDIR, "cannot read", name_);
    }
}

RecordReader::~RecordReader() {
    if (own_fd_ && fd_ >= 0) ::close(fd_);
}

bool RecordReader::fill() {
    if (eof_) return false;
    bool first = first_fill_;
    first_fill_ = false;
    pos_ = end_ = 0;
    for (;;) {
        ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error::from_errno(errno, "cannot read", name_);
        }
        if (n == 0) {
            eof_ = true;
            return false;
        }
        end_ = static_cast<std::size_t>(n);
        break;
    }

    // A UTF-8 byte order mark is not JSON; editors on some systems add one.
    if (first && end_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
    return true;
}

void RecordReader::append(const char* data, std::size_t size) {
    if (dropping_) return;
    if (size > max_bytes_ - text_.size()) {
        dropping_ = true;
        text_.clear();
        return;
    }
    text_.append(data, size);
}

void RecordReader::finish(Record& record, Status status) {
    if (dropping_) {
        text_.clear();
        status = Status::too_long;
    }
    if (text_.capacity() < text_.size() + padding_) text_.reserve(text_.size() + padding_);
    record.text = text_;
    record.line = start_line_;
    record.status = status;
}

bool RecordReader::scan_lines(Record& record) {
    const char* begin = buffer_.data() + pos_;
    const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', end_ - pos_));
    if (!newline) {
        append(begin, end_ - pos_);
        pos_ = end_;
        return false;
    }

    append(begin, static_cast<std::size_t>(newline - begin));
    pos_ = static_cast<std::size_t>(newline - buffer_.data()) + 1;
    ++line_;
    finish(record, Status::complete);
    return true;
}

bool RecordReader::scan_structured(Record& record) {
    const char* data = buffer_.data();
    for (std::size_t i = pos_; i < end_; ++i) {
        char c = data[i];
        if (c == '\n') {
            ++line_;
            if (framing_ == Framing::detect && structured_) framing_ = Framing::documents;
            // A raw newline never sits inside a valid JSON string, so a damaged record cannot
            // make the string state swallow the rest of the file.
            in_string_ = false;
            escape_ = false;
            if (!structured_) {
                append(data + pos_, i - pos_);
                pos_ = i + 1;
                finish(record, Status::complete);
                return true;
            }
            continue;
        }
        if (!structured_) continue;

        if (in_string_) {
            if (escape_) {
                escape_ = false;
            } else if (c == '\\') {
                escape_ = true;
            } else if (c == '"') {
                in_string_ = false;
            }
            continue;
        }
        if (c == '"') {
            in_string_ = true;
        } else if (c == '{' || c == '[') {
            ++depth_;
        } else if ((c == '}' || c == ']') && --depth_ == 0) {
            append(data + pos_, i + 1 - pos_);
            pos_ = i + 1;
            if (framing_ == Framing::detect) {
                // The first record closed on the line it began: the input is JSON Lines, and
                // whatever follows on this line belongs to the same record.
                framing_ = Framing::lines;
                return scan_lines(record);
            }
            finish(record, Status::complete);
            return true;
        }
    }

    append(data + pos_, end_ - pos_);
    pos_ = end_;
    return false;
}

bool RecordReader::next(Record& record) {
    text_.clear();
    started_ = false;
    dropping_ = false;
    structured_ = false;
    depth_ = 0;
    in_string_ = false;
    escape_ = false;

    for (;;) {
        if (pos_ == end_ && !fill()) {
            if (!started_) return false;
            finish(record, Status::unterminated);
            return true;
        }

        // Whitespace and empty lines between records carry nothing.
        if (!started_) {
            while (pos_ < end_) {
                char c = buffer_[pos_];
                if (c == '\n') {
                    ++line_;
                } else if (c != ' ' && c != '\t' && c != '\r') {
                    started_ = true;
                    start_line_ = line_;
                    structured_ = c == '{' || c == '[';
                    break;
                }
                ++pos_;
            }
            continue;
        }

        bool done = framing_ == Framing::lines ? scan_lines(record) : scan_structured(record);
        if (done) return true;
    }
}

}  // namespace rtguard::detail
