// Internal: splits a file or standard input into JSON records in constant memory.
//
// Two framings exist in the wild. JSON Lines puts one record on each line; a pretty-printed
// export concatenates multi-line objects. The reader handles both with a fixed read buffer
// and one record buffer that never grows past the record limit: a longer record is dropped
// while it is being read, so a hostile 100 MB line costs no more memory than a short one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rtguard::detail {

class RecordReader {
public:
    enum class Framing {
        lines,      ///< every line is one record (empty lines are ignored)
        documents,  ///< records are balanced {...} values, however many lines they span
        detect,     ///< lines if the first record ends on its first line, else documents
    };

    enum class Status {
        complete,      ///< the record ended normally (newline, or closing brace)
        too_long,      ///< longer than the limit; its text was dropped and is empty
        unterminated,  ///< the input ended inside the record (no final newline, cut object)
    };

    struct Record {
        std::string_view text;   ///< valid until the next call; `padding` bytes follow it
        std::uint64_t line = 0;  ///< line on which the record starts, from 1
        Status status = Status::complete;
    };

    /// Opens `path` ("-" is standard input, which is read but never closed). Records longer
    /// than `max_bytes` are dropped while reading. Each returned text is followed by at least
    /// `padding` bytes of allocated storage (parsers that read past the end need it).
    /// Throws rtguard::Error naming the file when it cannot be opened or is a directory.
    RecordReader(std::string path, Framing framing, std::size_t max_bytes, std::size_t padding);
    ~RecordReader();
    RecordReader(const RecordReader&) = delete;
    RecordReader& operator=(const RecordReader&) = delete;

    /// Reads the next record; returns false at the end of the input. Throws rtguard::Error
    /// (errno kept) on a read error.
    bool next(Record& record);

    /// The file name for messages: the path, or "<stdin>".
    const std::string& name() const noexcept { return name_; }
    Framing framing() const noexcept { return framing_; }
    bool at_end() const noexcept { return eof_ && pos_ == end_; }

private:
    bool fill();
    void append(const char* data, std::size_t size);
    bool scan_lines(Record& record);
    bool scan_structured(Record& record);
    void finish(Record& record, Status status);

    std::string name_;
    int fd_ = -1;
    bool own_fd_ = false;
    Framing framing_;
    std::size_t max_bytes_;
    std::size_t padding_;

    std::vector<char> buffer_;
    std::size_t pos_ = 0;
    std::size_t end_ = 0;
    bool eof_ = false;
    bool first_fill_ = true;
    std::uint64_t line_ = 1;

    // State of the record being assembled.
    std::string text_;
    bool started_ = false;
    bool dropping_ = false;
    bool structured_ = false;  // began with '{' or '['
    int depth_ = 0;
    bool in_string_ = false;
    bool escape_ = false;
    std::uint64_t start_line_ = 0;
};

}  // namespace rtguard::detail
