#include "rtguard/replay.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <limits>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/json_writer.hpp"
#include "events/json_fields.hpp"
#include "events/record_reader.hpp"
#include "events/skip_log.hpp"
#include "rtguard/error.hpp"

namespace rtguard {
namespace {

using detail::FieldError;
using detail::Need;
using detail::ObjectReader;

constexpr std::string_view format_name = "rtguard-events";
constexpr std::uint64_t schema_version = 1;
constexpr std::string_view header_example = R"({"format":"rtguard-events","schema":1})";

// Recorder output is flushed in blocks of about this size, not one write(2) per event.
constexpr std::size_t recorder_flush_bytes = 64 * 1024;

std::string_view to_string(IoUringOp op) {
    return op == IoUringOp::submit ? "submit" : "setup";
}

std::optional<IoUringOp> io_uring_op_from_string(std::string_view s) {
    if (s == "setup") return IoUringOp::setup;
    if (s == "submit") return IoUringOp::submit;
    return std::nullopt;
}

// A value from the input quoted for a message, cut short so a hostile value cannot flood it.
std::string quoted(std::string_view s) {
    constexpr std::size_t max_shown = 64;
    std::string out;
    detail::append_json_string(out, s.substr(0, max_shown));
    if (s.size() > max_shown) out += "...";
    return out;
}

// ---- writing ----

void write_exec(detail::JsonWriter& w, const ExecDetail& x) {
    if (!x.argv.empty()) {
        bool all_text = true;
        w.key("argv").begin_array();
        for (const auto& arg : x.argv) {
            w.value(arg);
            all_text = all_text && detail::valid_utf8(arg);
        }
        w.end_array();

        // One array of exact bytes when any argument is not text, so indices stay aligned.
        if (!all_text) {
            w.key("argv_hex").begin_array();
            for (const auto& arg : x.argv)
                w.value(detail::to_hex(arg));
            w.end_array();
        }
    }
    if (x.dev) w.key("dev").value(x.dev);
    if (x.ino) w.key("ino").value(x.ino);
    if (x.upper_layer) w.key("upper_layer").value(true);
    if (x.memory) w.key("memory").value(true);
    if (x.deleted) w.key("deleted").value(true);
    if (x.writable_dir) w.key("writable_dir").value(true);
    if (!x.interpreter.empty()) w.bytes_field("interpreter", x.interpreter);
    if (!x.script.empty()) w.bytes_field("script", x.script);
    if (!x.loader.empty()) w.bytes_field("loader", x.loader);
    if (!x.loaded_program.empty()) w.bytes_field("loaded_program", x.loaded_program);
    if (!x.cwd.empty()) w.bytes_field("cwd", x.cwd);
}

void write_event(detail::JsonWriter& w, const Event& e) {
    w.begin_object();
    w.key("kind").value(to_string(e.kind));
    w.key("time_ns").value(e.time_ns);
    w.bytes_field("workload", e.workload);
    w.key("pid").value(e.pid);
    w.key("ppid").value(e.ppid);
    w.key("uid").value(e.uid);
    w.bytes_field("comm", e.comm);
    w.bytes_field("exe", e.exe);

    switch (e.kind) {
        case EventKind::exec:
            write_exec(w, e.exec);
            break;
        case EventKind::exit:
            w.key("exit_code").value(e.exit_code);
            break;
        case EventKind::open:
            w.bytes_field("path", e.path);
            w.key("flags").value(e.flags);
            break;
        case EventKind::network:
            w.key("op").value(to_string(e.net.op));
            w.key("family").value(to_string(e.net.family));
            w.key("protocol").value(to_string(e.net.protocol));
            w.bytes_field("address", e.net.address);
            w.key("port").value(static_cast<unsigned>(e.net.port));
            break;
        case EventKind::syscall:
            w.key("nr").value(e.syscall_nr);
            w.key("name").value(e.syscall_name);
            break;
        case EventKind::io_uring:
            w.key("op").value(to_string(e.uring_op));
            w.key("count").value(e.uring_count);
            break;
        case EventKind::lost:
            w.key("lost_kind").value(to_string(e.lost_kind));
            w.key("count").value(e.lost_count);
            break;
        case EventKind::fork:
            break;
    }
    w.end_object();
}

// ---- reading ----

bool parse_argv(ObjectReader& r, const ReplayLimits& limits, std::vector<std::string>& argv) {
    FieldError& err = r.error();
    simdjson::dom::array text_args;
    simdjson::dom::array hex_args;
    bool has_text = r.array("argv", Need::optional, text_args);
    bool has_hex = r.array("argv_hex", Need::optional, hex_args);
    if (r.failed()) return false;

    // Every element must be a string, whichever array the values are taken from.
    std::size_t text_count = 0;
    if (has_text) {
        for (auto element : text_args) {
            std::string_view s;
            if (element.get_string().get(s) != simdjson::SUCCESS) {
                err.set(errc::bad_value,
                        fmt::format("{}[{}]: expected a string, found {}", r.path_of("argv"),
                                    text_count, detail::json_type_name(element.type())));
                return false;
            }
            if (s.size() > limits.max_string_bytes) {
                err.set(errc::limit_exceeded,
                        fmt::format("{}[{}]: string longer than {} bytes", r.path_of("argv"),
                                    text_count, limits.max_string_bytes));
                return false;
            }
            if (!has_hex && argv.size() < limits.max_argv) argv.emplace_back(s);
            ++text_count;
        }
    }
    if (!has_hex) return true;

    std::size_t index = 0;
    for (auto element : hex_args) {
        std::string_view hex;
        std::string arg;
        std::string where = fmt::format("{}[{}]", r.path_of("argv_hex"), index);
        if (element.get_string().get(hex) != simdjson::SUCCESS) {
            err.set(errc::bad_value, fmt::format("{}: expected a string, found {}", where,
                                                 detail::json_type_name(element.type())));
            return false;
        }
        if (hex.size() / 2 > limits.max_string_bytes) {
            err.set(errc::limit_exceeded,
                    fmt::format("{}: string longer than {} bytes", where, limits.max_string_bytes));
            return false;
        }
        if (!detail::from_hex(hex, arg)) {
            err.set(errc::bad_value,
                    fmt::format("{}: expected an even number of hex digits", where));
            return false;
        }
        if (argv.size() < limits.max_argv) argv.push_back(std::move(arg));
        ++index;
    }
    if (has_text && index != text_count) {
        err.set(errc::bad_value,
                fmt::format("{}: expected {} elements, as many as {}, found {}",
                            r.path_of("argv_hex"), text_count, r.path_of("argv"), index));
        return false;
    }
    return true;
}

bool parse_exec(ObjectReader& r, const ReplayLimits& limits, ExecDetail& x) {
    if (!parse_argv(r, limits, x.argv)) return false;
    r.u64("dev", Need::optional, x.dev);
    r.u64("ino", Need::optional, x.ino);
    r.boolean("upper_layer", Need::optional, x.upper_layer);
    r.boolean("memory", Need::optional, x.memory);
    r.boolean("deleted", Need::optional, x.deleted);
    r.boolean("writable_dir", Need::optional, x.writable_dir);
    r.bytes("interpreter", Need::optional, x.interpreter);
    r.bytes("script", Need::optional, x.script);
    r.bytes("loader", Need::optional, x.loader);
    r.bytes("loaded_program", Need::optional, x.loaded_program);
    r.bytes("cwd", Need::optional, x.cwd);
    return !r.failed();
}

bool parse_network(ObjectReader& r, NetworkDetail& net) {
    std::string_view op, family, protocol;
    if (!r.text("op", Need::required, op)) return false;
    auto parsed_op = net_op_from_string(op);
    if (!parsed_op) {
        return r.fail(
            errc::bad_value, "op",
            fmt::format("expected connect, bind, listen or accept, found {}", quoted(op)));
    }
    if (!r.text("family", Need::required, family)) return false;
    auto parsed_family = net_family_from_string(family);
    if (!parsed_family) {
        return r.fail(
            errc::bad_value, "family",
            fmt::format("expected unspec, inet, inet6 or unix, found {}", quoted(family)));
    }
    if (!r.text("protocol", Need::required, protocol)) return false;
    auto parsed_protocol = net_proto_from_string(protocol);
    if (!parsed_protocol) {
        return r.fail(errc::bad_value, "protocol",
                      fmt::format("expected unknown, tcp or udp, found {}", quoted(protocol)));
    }

    std::uint64_t port = 0;
    if (!r.bytes("address", Need::required, net.address)) return false;
    if (!r.u64("port", Need::required, port, std::numeric_limits<std::uint16_t>::max()))
        return false;
    net.op = *parsed_op;
    net.family = *parsed_family;
    net.protocol = *parsed_protocol;
    net.port = static_cast<std::uint16_t>(port);
    return true;
}

bool parse_event(simdjson::dom::object object, const ReplayLimits& limits, Event& e,
                 FieldError& err) {
    ObjectReader r(object, "$", err, limits.max_string_bytes);

    std::string_view kind_name;
    if (!r.text("kind", Need::required, kind_name)) return false;
    auto kind = event_kind_from_string(kind_name);
    if (!kind) {
        return r.fail(errc::bad_value, "kind",
                      fmt::format("expected an event kind (exec, exit, open, network, syscall, "
                                  "io_uring, lost, fork), found {}",
                                  quoted(kind_name)));
    }
    e.kind = *kind;

    // Members every event has.
    r.u64("time_ns", Need::required, e.time_ns);
    r.bytes("workload", Need::required, e.workload);
    r.u32("pid", Need::required, e.pid);
    r.u32("ppid", Need::required, e.ppid);
    r.u32("uid", Need::required, e.uid);
    r.bytes("comm", Need::required, e.comm);
    r.bytes("exe", Need::required, e.exe);
    if (r.failed()) return false;

    std::int64_t n = 0;
    std::string_view name;
    switch (e.kind) {
        case EventKind::exec:
            return parse_exec(r, limits, e.exec);
        case EventKind::exit:
            if (!r.i64("exit_code", Need::required, n, std::numeric_limits<std::int32_t>::min(),
                       std::numeric_limits<std::int32_t>::max())) {
                return false;
            }
            e.exit_code = static_cast<std::int32_t>(n);
            return true;
        case EventKind::open:
            r.bytes("path", Need::required, e.path);
            r.u32("flags", Need::required, e.flags);
            return !r.failed();
        case EventKind::network:
            return parse_network(r, e.net);
        case EventKind::syscall:
            if (!r.i64("nr", Need::required, n, 0, std::numeric_limits<std::int32_t>::max())) {
                return false;
            }
            e.syscall_nr = static_cast<std::int32_t>(n);
            if (!r.text("name", Need::required, name)) return false;
            e.syscall_name.assign(name);
            return true;
        case EventKind::io_uring: {
            if (!r.text("op", Need::required, name)) return false;
            auto op = io_uring_op_from_string(name);
            if (!op) {
                return r.fail(errc::bad_value, "op",
                              fmt::format("expected setup or submit, found {}", quoted(name)));
            }
            e.uring_op = *op;
            return r.u32("count", Need::required, e.uring_count);
        }
        case EventKind::lost: {
            if (!r.text("lost_kind", Need::required, name)) return false;
            auto lost_kind = event_kind_from_string(name);
            if (!lost_kind) {
                return r.fail(errc::bad_value, "lost_kind",
                              fmt::format("expected an event kind, found {}", quoted(name)));
            }
            e.lost_kind = *lost_kind;
            return r.u64("count", Need::required, e.lost_count);
        }
        case EventKind::fork:
            return true;
    }
    return true;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return a > std::numeric_limits<std::uint64_t>::max() - b
               ? std::numeric_limits<std::uint64_t>::max()
               : a + b;
}

std::string utc_now_rfc3339() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return {};
    return buf;
}

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

}  // namespace

std::string event_to_json(const Event& event) {
    std::string out;
    detail::JsonWriter w(out);
    write_event(w, event);
    return out;
}

// ---- ReplaySource ----

struct ReplaySource::Impl {
    Impl(std::string path_in, ReplayOptions options_in)
        : path(std::move(path_in)),
          options(options_in),
          reader(path, detail::RecordReader::Framing::lines, options.limits.max_line_bytes,
                 simdjson::SIMDJSON_PADDING),
          parser(options.limits.max_line_bytes) {}

    // Parses a record as a JSON object; on failure returns false and says why in `message`.
    bool parse_object(const detail::RecordReader::Record& record, simdjson::dom::object& object,
                      errc& code, std::string& message) {
        if (record.status == detail::RecordReader::Status::too_long) {
            code = errc::limit_exceeded;
            message = fmt::format("line longer than {} bytes", options.limits.max_line_bytes);
            return false;
        }
        simdjson::dom::element doc;
        auto error = parser.parse(record.text.data(), record.text.size(), false).get(doc);
        if (error) {
            code = errc::parse_error;
            message = detail::json_syntax_message(error);
            if (record.status == detail::RecordReader::Status::unterminated) {
                message = "truncated last line (no newline at end of input): " + message;
            }
            return false;
        }
        if (doc.get_object().get(object) != simdjson::SUCCESS) {
            code = errc::bad_value;
            message = fmt::format("$: expected a JSON object, found {}",
                                  detail::json_type_name(doc.type()));
            return false;
        }
        return true;
    }

    [[noreturn]] void header_error(std::uint64_t line, std::string message) {
        throw Error(errc::schema_mismatch, std::move(message), reader.name(),
                    fmt::format("line {}", line));
    }

    // A header opens the file and may open each recording concatenated after it.
    void check_header(simdjson::dom::object object, std::uint64_t line) {
        FieldError err;
        ObjectReader r(object, "$", err);
        std::string_view format;
        if (!r.text("format", Need::required, format)) header_error(line, err.message);
        if (format != format_name) {
            header_error(line, fmt::format("$.format: expected \"{}\", found {}", format_name,
                                           quoted(format)));
        }

        std::uint64_t schema = 0;
        if (!r.u64("schema", Need::required, schema)) {
            header_error(
                line, fmt::format("{} (this build reads schema {})", err.message, schema_version));
        }
        if (schema != schema_version) {
            header_error(line, fmt::format("$.schema: unknown schema version {} (this build "
                                           "reads schema {})",
                                           schema, schema_version));
        }
    }

    void read_header() {
        detail::RecordReader::Record record;
        if (!reader.next(record)) {
            header_error(1, fmt::format("empty input: expected a header line {}", header_example));
        }

        simdjson::dom::object object;
        errc code{};
        std::string message;
        if (!parse_object(record, object, code, message)) {
            header_error(record.line,
                         fmt::format("expected a header line {}: {}", header_example, message));
        }
        if (object.at_key("format").error()) {
            header_error(record.line, fmt::format("expected a header line {} before the first "
                                                  "event, found no \"format\" member",
                                                  header_example));
        }
        check_header(object, record.line);
    }

    void skip(errc code, std::uint64_t line, const std::string& message) {
        std::string where = fmt::format("line {}", line);
        if (options.strict) throw Error(code, message, reader.name(), where);
        ++counters.skipped;
        skips.add(fmt::format("{}:{}: {}", reader.name(), where, message));
    }

    // Reads one record; returns true when it appended an event to `out`.
    bool read_one(std::vector<Event>& out) {
        detail::RecordReader::Record record;
        if (!reader.next(record)) {
            finished = true;
            return false;
        }

        simdjson::dom::object object;
        errc code{};
        std::string message;
        if (!parse_object(record, object, code, message)) {
            skip(code, record.line, message);
            return false;
        }
        if (!object.at_key("format").error()) {
            check_header(object, record.line);
            return false;
        }

        Event event;
        FieldError err;
        if (!parse_event(object, options.limits, event, err)) {
            skip(err.code, record.line, err.message);
            return false;
        }
        if (event.kind == EventKind::lost) {
            auto& slot = counters.lost[static_cast<std::size_t>(event.lost_kind)];
            slot = saturating_add(slot, event.lost_count);
        }
        ++counters.events;
        out.push_back(std::move(event));
        return true;
    }

    std::string path;
    ReplayOptions options;
    detail::RecordReader reader;
    simdjson::dom::parser parser;
    SourceCounters counters;
    detail::SkipLog skips;
    bool finished = false;
};

ReplaySource::ReplaySource(std::string path, ReplayOptions options)
    : impl_(std::make_unique<Impl>(std::move(path), options)) {
    impl_->read_header();
}

ReplaySource::~ReplaySource() = default;

std::size_t ReplaySource::next_batch(std::vector<Event>& out, std::size_t max) {
    std::size_t appended = 0;
    while (appended < max && !impl_->finished) {
        if (impl_->read_one(out)) ++appended;
    }
    return appended;
}

bool ReplaySource::at_end() const {
    return impl_->finished;
}

SourceCounters ReplaySource::counters() const {
    return impl_->counters;
}

std::vector<std::string> ReplaySource::skip_messages() const {
    return impl_->skips.messages();
}

const std::string& ReplaySource::path() const noexcept {
    return impl_->path;
}

// ---- Recorder ----

struct Recorder::Impl {
    explicit Impl(std::string path_in) : path(std::move(path_in)) {
        target = detail::resolve_output(path);
        if (target.in_place) {
            // Standard output, /dev/stdout and the like, a device or FIFO: written as it comes.
            fd = detail::open_in_place(target, path);
            to_stream = true;
            own_stream = target.fd < 0;
            stream_name = path == "-" ? "<stdout>" : path;
        } else {
            // Write beside the target so that the final rename stays on one filesystem; a
            // symbolic link is written through.
            fd = detail::create_temporary(target, temp, path);
        }

        detail::JsonWriter w(buffer);
        w.begin_object();
        w.key("format").value(format_name);
        w.key("schema").value(schema_version);
        w.key("created").value(utc_now_rfc3339());
        w.bytes_field("host", host_name());
        w.end_object();
        buffer.push_back('\n');
    }

    ~Impl() {
        if (state == State::closed) return;
        if (to_stream) {
            // What reached the stream cannot be taken back; hand over the rest rather than cut an
            // event in half.
            if (state == State::open) {
                try {
                    flush();
                } catch (const Error&) {
                }
            }
            if (own_stream) ::close(fd);
            return;
        }
        if (fd >= 0) ::close(fd);
        ::unlink(temp.c_str());
    }

    const std::string& target_name() const { return to_stream ? stream_name : path; }

    void flush() {
        std::string_view data = buffer;
        while (!data.empty()) {
            ssize_t n = ::write(fd, data.data(), data.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                int err = errno;
                state = State::broken;
                throw Error::from_errno(err, "cannot write", target_name());
            }
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        buffer.clear();
    }

    void require_open() const {
        if (state == State::closed) {
            throw Error(errc::invalid_argument, "the recording is already closed", target_name());
        }
        if (state == State::broken) {
            throw Error(errc::invalid_argument, "the recording failed earlier and was discarded",
                        target_name());
        }
    }

    void close() {
        if (state == State::closed) return;
        require_open();
        flush();
        if (to_stream) {
            state = State::closed;
            if (own_stream && ::close(fd) != 0) {
                fd = -1;
                throw Error::from_errno(errno, "cannot close", path);
            }
            fd = -1;
            return;
        }

        try {
            detail::finish_temporary(fd, target, path);
        } catch (const Error& e) {
            fail_close(e.code().value(), "cannot finish", path);
        }
        int fd_to_close = fd;
        fd = -1;
        if (::close(fd_to_close) != 0) fail_close(errno, "cannot close", path);
        if (::rename(temp.c_str(), target.path.c_str()) != 0) {
            fail_close(errno, "cannot rename into place", path);
        }
        state = State::closed;

        // Make the rename itself durable.
        int dir = ::open(directory_of(target.path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0) {
            ::fsync(dir);
            ::close(dir);
        }
    }

    [[noreturn]] void fail_close(int err, const char* what, const std::string& file) {
        if (fd >= 0) ::close(fd);
        fd = -1;
        ::unlink(temp.c_str());
        state = State::broken;
        throw Error::from_errno(err, what, file);
    }

    enum class State { open, broken, closed };

    std::string path;
    detail::OutputTarget target;  // where path leads
    std::string temp;
    std::string stream_name;
    int fd = -1;
    bool to_stream = false;   // standard output, a device or a FIFO: no temporary file
    bool own_stream = false;  // opened here, closed here
    State state = State::open;
    std::string buffer;
    std::uint64_t written = 0;
};

Recorder::Recorder(std::string path) : impl_(std::make_unique<Impl>(std::move(path))) {}

Recorder::~Recorder() = default;

void Recorder::write(const Event& event) {
    impl_->require_open();
    detail::JsonWriter w(impl_->buffer);
    write_event(w, event);
    impl_->buffer.push_back('\n');
    ++impl_->written;
    if (impl_->buffer.size() >= recorder_flush_bytes) impl_->flush();
}

void Recorder::close() {
    impl_->close();
}

std::uint64_t Recorder::written() const noexcept {
    return impl_->written;
}

}  // namespace rtguard
