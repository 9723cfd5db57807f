// Text conversion and the str enums shared by every area of the extension.
#include "common.hpp"

namespace rtguard::python {

py::str decode(std::string_view bytes) {
    PyObject* text = PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()),
                                          "surrogateescape");
    if (text == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::str>(text);
}

std::string encode(py::handle text, const char* what) {
    if (PyBytes_Check(text.ptr())) {
        char* data = nullptr;
        Py_ssize_t size = 0;
        PyBytes_AsStringAndSize(text.ptr(), &data, &size);
        return std::string(data, static_cast<std::size_t>(size));
    }
    if (!PyUnicode_Check(text.ptr())) {
        throw py::type_error(std::string(what) + " must be str or bytes, not " +
                             std::string(Py_TYPE(text.ptr())->tp_name));
    }

    // Lone surrogates stand for the undecodable bytes decode() met; anything else that UTF-8
    // cannot encode raises UnicodeEncodeError.
    PyObject* bytes = PyUnicode_AsEncodedString(text.ptr(), "utf-8", "surrogateescape");
    if (bytes == nullptr) throw py::error_already_set();
    auto owned = py::reinterpret_steal<py::bytes>(bytes);
    return std::string(PyBytes_AS_STRING(bytes), static_cast<std::size_t>(PyBytes_GET_SIZE(bytes)));
}

std::string fspath(py::handle path) {
    PyObject* raw = PyOS_FSPath(path.ptr());
    if (raw == nullptr) throw py::error_already_set();
    auto owned = py::reinterpret_steal<py::object>(raw);
    return encode(owned, "path");
}

py::list decode_list(const std::vector<std::string>& items) {
    py::list out(items.size());
    for (std::size_t i = 0; i < items.size(); ++i)
        out[i] = decode(items[i]);
    return out;
}

std::vector<std::string> encode_list(py::handle items, const char* what) {
    if (PyUnicode_Check(items.ptr()) || PyBytes_Check(items.ptr())) {
        // A lone string is almost always a mistake for a list of one.
        throw py::type_error(std::string(what) + " must be a sequence of str, not a single str");
    }
    std::vector<std::string> out;
    for (auto item : py::iter(items))
        out.push_back(encode(item, what));
    return out;
}

void define_enum_impl(py::module_& m, const char* name, const char* doc,
                      const std::vector<std::string>& names, PyObject** cls_out,
                      std::vector<PyObject*>& members_out,
                      const std::vector<std::size_t>& numbers) {
    auto enum_module = py::module_::import("enum");

    // StrEnum (3.11) makes str(member) the value; older Pythons get the same through str + Enum.
    py::object base;
    py::dict kwargs;
    kwargs["module"] = m.attr("__name__");
    kwargs["qualname"] = name;
    if (py::hasattr(enum_module, "StrEnum")) {
        base = enum_module.attr("StrEnum");
    } else {
        base = enum_module.attr("Enum");
        kwargs["type"] =
            py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyUnicode_Type));
    }
    py::list pairs;
    for (const auto& n : names)
        pairs.append(py::make_tuple(n, n));
    py::object cls = base(name, pairs, **kwargs);
    cls.attr("__doc__") = doc;
    m.attr(name) = cls;

    // Members by number, so converting a C++ value costs an index, not a lookup by name.
    std::size_t size = 0;
    for (auto n : numbers)
        size = std::max(size, n + 1);
    members_out.assign(size, nullptr);
    for (std::size_t i = 0; i < names.size(); ++i) {
        py::object member = cls.attr(names[i].c_str());
        members_out[numbers[i]] = member.release().ptr();
    }
    *cls_out = cls.release().ptr();
}

}  // namespace rtguard::python
