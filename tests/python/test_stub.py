"""The type stub _rtguard.pyi describes the real extension module, name for name."""

from __future__ import annotations

import ast
import enum
import inspect
from pathlib import Path

import pytest

import rtguard
from rtguard import _rtguard

STUB = Path(rtguard.__file__).with_name("_rtguard.pyi")

# Names Python gives every module, class or enum by itself.
IMPLICIT = {"__doc__", "__module__", "__dict__", "__weakref__", "__init__", "__new__"}


def stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text(), filename=str(STUB))


def public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def stub_module_names(tree: ast.Module) -> dict[str, ast.AST]:
    names: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node
    return {n: v for n, v in names.items() if not n.startswith("_") or n == "__version__"}


def stub_class_members(node: ast.ClassDef) -> set[str]:
    members = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef):
            members.add(item.name)
        elif isinstance(item, ast.Assign):
            members.update(t.id for t in item.targets if isinstance(t, ast.Name))
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            members.add(item.target.id)
    return members


def module_public_names() -> set[str]:
    return {n for n in dir(_rtguard) if not n.startswith("_")} | {"__version__"}


def test_every_name_in_the_stub_exists_in_the_module():
    missing = [n for n in stub_module_names(stub_tree()) if not hasattr(_rtguard, n)]
    assert missing == []


def test_every_public_name_of_the_module_is_in_the_stub():
    undocumented = sorted(module_public_names() - set(stub_module_names(stub_tree())))
    assert undocumented == []


def test_stub_classes_and_functions_are_classes_and_functions():
    for name, node in stub_module_names(stub_tree()).items():
        value = getattr(_rtguard, name)
        if isinstance(node, ast.ClassDef):
            assert inspect.isclass(value), name
        elif isinstance(node, ast.FunctionDef):
            assert callable(value) and not inspect.isclass(value), name


def class_nodes():
    return [n for n in stub_tree().body if isinstance(n, ast.ClassDef)]


@pytest.mark.parametrize("node", class_nodes(), ids=lambda n: n.name)
def test_each_stub_class_matches_the_real_class(node):
    cls = getattr(_rtguard, node.name)
    declared = stub_class_members(node)

    missing = sorted(m for m in declared if not hasattr(cls, m))
    assert missing == [], f"{node.name}: in the stub, not in the class"

    if issubclass(cls, enum.Enum):
        assert declared - {"__lt__", "__le__", "__gt__", "__ge__"} == {m.name for m in cls}
        return
    if issubclass(cls, BaseException):
        return

    # Members the class defines itself (not inherited from object or a base in the stub).
    own = {
        name
        for klass in cls.__mro__
        if klass not in (object,) and klass.__module__ == _rtguard.__name__
        for name in vars(klass)
        if public(name) and name not in IMPLICIT and not name.startswith("_pybind11")
    }
    bases = [getattr(_rtguard, b.id) for b in node.bases if isinstance(b, ast.Name) and hasattr(_rtguard, b.id)]
    inherited = {m for b in bases for m in dir(b)}
    undocumented = sorted(m for m in own - declared - inherited if not m.startswith("__"))
    assert undocumented == [], f"{node.name}: in the class, not in the stub"


def test_the_exception_hierarchy_is_as_the_stub_says():
    for node in class_nodes():
        cls = getattr(_rtguard, node.name)
        if not issubclass(cls, BaseException):
            continue
        for base in node.bases:
            expected = getattr(_rtguard, base.id, None) or __builtins__[base.id]
            assert issubclass(cls, expected), (node.name, base.id)


def test_the_package_exports_what_all_lists():
    missing = [n for n in rtguard.__all__ if not hasattr(rtguard, n)]
    assert missing == []
    assert rtguard.__version__ == _rtguard.__version__
    assert rtguard.__version__.count(".") == 2


def test_the_stub_and_py_typed_ship_beside_the_package():
    package = Path(rtguard.__file__).parent
    assert (package / "py.typed").exists()
    assert STUB.exists()
