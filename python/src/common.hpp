// Shared helpers of the rtguard._rtguard extension: text conversion, enums exposed as Python
// str enums, the GIL guard that also delivers queued log messages, and the binder entry points.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rtguard/baseline.hpp"
#include "rtguard/detector.hpp"
#include "rtguard/event.hpp"
#include "rtguard/matcher.hpp"
#include "rtguard/sbom.hpp"
#include "rtguard/severity.hpp"
#include "rtguard/version.hpp"

namespace rtguard::python {

namespace py = pybind11;

// Binders, one per area; module.cpp calls them in this order (later areas use earlier types).
void bind_errors(py::module_& m);
void bind_log(py::module_& m);
void bind_events(py::module_& m);
void bind_baseline(py::module_& m);
void bind_detector(py::module_& m);
void bind_versions(py::module_& m);
void bind_sbom(py::module_& m);
void bind_live(py::module_& m);

// --- Text -------------------------------------------------------------------------------------

/// Bytes as a Python str: UTF-8, with undecodable bytes kept as lone surrogates the way
/// os.fsdecode() does, so that a non-UTF-8 path survives the round trip through Python.
py::str decode(std::string_view bytes);

/// A str (encoded back with surrogateescape) or bytes, as bytes. Raises TypeError naming
/// `what` for anything else.
std::string encode(py::handle text, const char* what);

/// A path argument: str, bytes or os.PathLike.
std::string fspath(py::handle path);

py::list decode_list(const std::vector<std::string>& items);
std::vector<std::string> encode_list(py::handle items, const char* what);

// --- Log delivery and the GIL -----------------------------------------------------------------

/// Hands library log messages queued so far to the Python handler. Needs the GIL. Messages
/// are queued rather than delivered from the sink because the library calls its sink under
/// its own lock, from any thread: taking the GIL there could deadlock against a thread that
/// holds the GIL and is about to log.
void deliver_log() noexcept;

/// Releases the GIL for a blocking call; on the way back, with the GIL held again, delivers
/// the log messages the call queued. Usable with py::call_guard.
class ReleaseGil {
public:
    ReleaseGil() : release_(std::in_place) {}
    ~ReleaseGil() {
        release_.reset();
        deliver_log();
    }
    ReleaseGil(const ReleaseGil&) = delete;
    ReleaseGil& operator=(const ReleaseGil&) = delete;

private:
    std::optional<py::gil_scoped_release> release_;
};

// --- Enums ------------------------------------------------------------------------------------

/// Python classes for C++ enums: `enum.StrEnum` subclasses (str + Enum before Python 3.11)
/// whose values are the names the library writes in files, so `event.kind == "exec"` holds and
/// json.dumps writes the name. Filled by define_enum(); the objects live as long as the
/// process, like the module that made them.
template <class E>
struct EnumTable {
    inline static PyObject* cls = nullptr;
    inline static std::vector<PyObject*> members;  // indexed by the enumerator's number
    inline static std::vector<std::pair<E, std::string>> names;
    inline static const char* py_name = "";
};

/// Creates the Python enum `name` in `m` with the given members.
void define_enum_impl(py::module_& m, const char* name, const char* doc,
                      const std::vector<std::string>& names, PyObject** cls_out,
                      std::vector<PyObject*>& members_out, const std::vector<std::size_t>& numbers);

template <class E>
void define_enum(py::module_& m, const char* name, const char* doc,
                 std::vector<std::pair<E, std::string>> names) {
    std::vector<std::string> texts;
    std::vector<std::size_t> numbers;
    for (const auto& [value, text] : names) {
        texts.push_back(text);
        numbers.push_back(static_cast<std::size_t>(value));
    }
    EnumTable<E>::names = std::move(names);
    EnumTable<E>::py_name = name;
    define_enum_impl(m, name, doc, texts, &EnumTable<E>::cls, EnumTable<E>::members, numbers);
}

/// The member for `value`; None when the value has no member (a number from a newer file).
template <class E>
py::object enum_object(E value) {
    auto n = static_cast<std::size_t>(value);
    if (n < EnumTable<E>::members.size() && EnumTable<E>::members[n] != nullptr) {
        return py::reinterpret_borrow<py::object>(EnumTable<E>::members[n]);
    }
    return py::none();
}

/// The enumerator a member or its name stands for; nothing for anything else.
template <class E>
std::optional<E> enum_value(py::handle h) {
    if (!PyUnicode_Check(h.ptr())) return std::nullopt;
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(h.ptr(), &size);
    if (data == nullptr) {
        PyErr_Clear();
        return std::nullopt;
    }
    std::string_view text(data, static_cast<std::size_t>(size));
    for (const auto& [value, name] : EnumTable<E>::names) {
        if (name == text) return value;
    }
    return std::nullopt;
}

/// Like enum_value() but raises ValueError listing the accepted names.
template <class E>
E enum_arg(py::handle h, const char* what) {
    if (auto v = enum_value<E>(h)) return *v;
    std::string accepted;
    for (const auto& [value, name] : EnumTable<E>::names) {
        accepted += accepted.empty() ? "" : ", ";
        accepted += name;
    }
    throw py::value_error(std::string(what) + " must be a " + EnumTable<E>::py_name +
                          " or one of: " + accepted + "; got " + py::repr(h).cast<std::string>());
}

// --- Small conversions shared by several areas ------------------------------------------------

/// An Event as a Python object (a copy).
py::object event_object(const Event& event);

/// A dict of `count` per member of E for the non-zero entries of `counts`.
template <class E, class Array>
py::dict counts_by_enum(const Array& counts) {
    py::dict out;
    for (const auto& [value, name] : EnumTable<E>::names) {
        auto n = static_cast<std::size_t>(value);
        if (n < std::size(counts) && counts[n] != 0) out[enum_object(value)] = counts[n];
    }
    return out;
}

}  // namespace rtguard::python

namespace pybind11::detail {

/// Converts an enum to and from its Python str enum (see EnumTable). Accepts the member or its
/// name as a plain str.
template <class E>
class RtguardEnumCaster {
public:
    bool load(handle src, bool /*convert*/) {
        auto v = rtguard::python::enum_value<E>(src);
        if (!v) return false;
        value_ = *v;
        return true;
    }
    static handle cast(E value, return_value_policy /*policy*/, handle /*parent*/) {
        return rtguard::python::enum_object(value).release();
    }
    operator E*() { return &value_; }
    operator E&() { return value_; }
    operator E&&() && { return std::move(value_); }
    template <typename T>
    using cast_op_type = movable_cast_op_type<T>;

protected:
    E value_{};
};

template <>
struct type_caster<rtguard::EventKind> : RtguardEnumCaster<rtguard::EventKind> {
    static constexpr auto name = const_name("EventKind");
};
template <>
struct type_caster<rtguard::NetOp> : RtguardEnumCaster<rtguard::NetOp> {
    static constexpr auto name = const_name("NetOp");
};
template <>
struct type_caster<rtguard::NetFamily> : RtguardEnumCaster<rtguard::NetFamily> {
    static constexpr auto name = const_name("NetFamily");
};
template <>
struct type_caster<rtguard::NetProto> : RtguardEnumCaster<rtguard::NetProto> {
    static constexpr auto name = const_name("NetProto");
};
template <>
struct type_caster<rtguard::IoUringOp> : RtguardEnumCaster<rtguard::IoUringOp> {
    static constexpr auto name = const_name("IoUringOp");
};
template <>
struct type_caster<rtguard::Severity> : RtguardEnumCaster<rtguard::Severity> {
    static constexpr auto name = const_name("Severity");
};
template <>
struct type_caster<rtguard::Rule> : RtguardEnumCaster<rtguard::Rule> {
    static constexpr auto name = const_name("Rule");
};
template <>
struct type_caster<rtguard::VersionScheme> : RtguardEnumCaster<rtguard::VersionScheme> {
    static constexpr auto name = const_name("VersionScheme");
};
template <>
struct type_caster<rtguard::SbomFormat> : RtguardEnumCaster<rtguard::SbomFormat> {
    static constexpr auto name = const_name("SbomFormat");
};

}  // namespace pybind11::detail
