// rtguard::Error as Python exceptions: operating-system errors become the matching OSError
// subclass (FileNotFoundError for ENOENT) with errno and filename; rtguard's own codes become
// rtguard.Error (a ValueError) or one of its subclasses, carrying file, where, code, message.
#include <array>
#include <exception>
#include <string>
#include <system_error>

#include "common.hpp"
#include "rtguard/error.hpp"

namespace rtguard::python {
namespace {

struct ErrorClass {
    errc code;
    const char* code_name;
    const char* class_name;  // nullptr: plain rtguard.Error
    const char* doc;
};

constexpr std::array error_classes{
    ErrorClass{errc::parse_error, "parse_error", "ParseError",
               "Input is not well-formed (JSON syntax, truncated record)."},
    ErrorClass{errc::schema_mismatch, "schema_mismatch", "SchemaError",
               "A file names a format or schema version this build cannot read."},
    ErrorClass{errc::missing_field, "missing_field", nullptr, nullptr},
    ErrorClass{errc::bad_value, "bad_value", nullptr, nullptr},
    ErrorClass{errc::limit_exceeded, "limit_exceeded", "LimitError",
               "An input limit (line length, depth, entry count, file size) was passed."},
    ErrorClass{errc::bad_version, "bad_version", "VersionError",
               "A version string does not parse under its ecosystem's rules."},
    ErrorClass{errc::bad_purl, "bad_purl", "PurlError",
               "A package URL does not follow the purl specification."},
    ErrorClass{errc::bad_vector, "bad_vector", "CvssError", "A CVSS vector is malformed."},
    ErrorClass{errc::integrity, "integrity", "IntegrityError",
               "A content hash does not match the content."},
    ErrorClass{errc::kernel_refused, "kernel_refused", "KernelError",
               "The kernel refused to load or attach a BPF program."},
    ErrorClass{errc::unsupported, "unsupported", "UnsupportedError",
               "The machine lacks a needed feature (BTF, cgroup v2, privileges)."},
    ErrorClass{errc::invalid_argument, "invalid_argument", nullptr, nullptr},
};

// Created once at import and kept for the life of the process, like the module.
PyObject* base_error = nullptr;
std::array<PyObject*, error_classes.size()> classes{};

PyObject* new_class(py::module_& m, const char* name, const char* doc, PyObject* base) {
    std::string qualified = std::string("rtguard._rtguard.") + name;

    // Class-level defaults, so an instance raised from Python code has the attributes too.
    py::dict attrs;
    attrs["file"] = "";
    attrs["where"] = "";
    attrs["code"] = "";
    attrs["message"] = "";
    PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, attrs.ptr());
    if (cls == nullptr) throw py::error_already_set();
    m.attr(name) = py::handle(cls);
    return cls;
}

void raise_os_error(const std::system_error& e, const std::string& message,
                    const std::string& file) {
    // OSError(errno, text, filename) picks the subclass for the errno itself.
    py::object filename = file.empty() ? py::object(py::none()) : py::object(decode(file));
    PyObject* exc = PyObject_CallFunction(PyExc_OSError, "isO", e.code().value(), message.c_str(),
                                          filename.ptr());
    if (exc == nullptr) return;  // the failure to build it is the exception now
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc)), exc);
    Py_DECREF(exc);
}

void raise_rtguard_error(const Error& e) {
    auto value = e.code().value();
    PyObject* cls = base_error;
    const char* code_name = "";
    for (std::size_t i = 0; i < error_classes.size(); ++i) {
        if (static_cast<int>(error_classes[i].code) == value) {
            code_name = error_classes[i].code_name;
            if (classes[i] != nullptr) cls = classes[i];
        }
    }

    py::object exc = py::reinterpret_borrow<py::object>(cls)(decode(e.what()));
    exc.attr("file") = decode(e.file());
    exc.attr("where") = decode(e.where());
    exc.attr("code") = code_name;
    exc.attr("message") = decode(e.message());
    PyErr_SetObject(cls, exc.ptr());
}

void translate(std::exception_ptr p) {
    try {
        if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
        const auto& category = e.code().category();
        try {
            if (category == error_category()) {
                raise_rtguard_error(e);
            } else if (category == std::system_category() || category == std::generic_category()) {
                raise_os_error(e, e.message(), e.file());
            } else {
                PyErr_SetString(base_error, e.what());
            }
        } catch (py::error_already_set& failure) {
            failure.restore();
        }
    } catch (const std::system_error& e) {
        const auto& category = e.code().category();
        if (category == std::system_category() || category == std::generic_category()) {
            raise_os_error(e, e.what(), {});
        } else {
            PyErr_SetString(PyExc_RuntimeError, e.what());
        }
    }
}

}  // namespace

void bind_errors(py::module_& m) {
    base_error = new_class(m, "Error",
                           "An rtguard error: bad input, an unsupported format, a refused "
                           "operation.\n\nAttributes: file (the file concerned, may be empty), "
                           "where (line and/or JSON path), code (the error code's name, e.g. "
                           "'parse_error'), message (without file and place).",
                           PyExc_ValueError);
    for (std::size_t i = 0; i < error_classes.size(); ++i) {
        if (error_classes[i].class_name == nullptr) continue;
        classes[i] = new_class(m, error_classes[i].class_name, error_classes[i].doc, base_error);
    }
    py::register_exception_translator(&translate);
}

}  // namespace rtguard::python
