"""The package's shape: layers that import only downward, no import cycles, machines known by
name only in the registry, a public API in one import, docstrings on every public function."""

import ast
import re
from pathlib import Path

import pytest

import toyinduction

PACKAGE = Path(toyinduction.__file__).resolve().parent
#: Layers from the bottom: a module may import from its own layer and the ones before it. The
#: checks of user-given values (``validate``: the API's and the CLI's one source) sit below all.
LAYERS = ("validate", "core", "engine", "machines", "sources", "induction", "plots", "malign", "cli")


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        parts = [part for part in relative.parts if part != "__init__"]
        yield "toyinduction" + "".join("." + part for part in parts), path


def _imports(path: Path, module: str):
    """Every toyinduction module a file imports, at any depth of the file (lazy imports too)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.startswith("toyinduction"):
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    yield candidate if (PACKAGE.parent / (candidate.replace(".", "/") + ".py")).exists() or (
                        PACKAGE.parent / candidate.replace(".", "/")).is_dir() else base
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("toyinduction"):
                    yield alias.name


def _layer(module: str):
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("_numba", "__main__"):
        return None          # the package root (version, lazy API) and the numba options sit outside the layers
    return LAYERS.index(parts[1])


def test_every_module_is_in_a_layer():
    for module, _ in _modules():
        parts = module.split(".")
        assert len(parts) == 1 or parts[1] in LAYERS + ("_numba", "__main__"), module


def test_layers_import_only_downward():
    for module, path in _modules():
        mine = _layer(module)
        if mine is None:
            continue
        for imported in _imports(path, module):
            theirs = _layer(imported)
            assert theirs is None or theirs <= mine, f"{module} (layer {LAYERS[mine]}) imports {imported}"


def test_no_import_cycles():
    graph = {module: {m for m in _imports(path, module) if m != module} for module, path in _modules()}
    state = {}

    def visit(module, trail):
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", "import cycle: " + " -> ".join(trail + [module])
        state[module] = "open"
        for imported in graph.get(module, ()):
            if imported in graph and not module.startswith(imported + "."):   # a package's own __init__ is its parent
                visit(imported, trail + [module])
        state[module] = "done"

    for module in graph:
        visit(module, [])


def test_machines_are_known_by_name_only_in_the_registry():
    """Adding a machine means implementing the interface and registering it: nothing else in the
    package compares machine names."""
    check = re.compile(r"""(==|!=)\s*["'](blc|tm|toy)["']|["'](blc|tm|toy)["']\s*(==|!=)""")
    for module, path in _modules():
        if module == "toyinduction.machines":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not check.search(line), f"{path}:{number}: {line.strip()}"


def test_kernel_internals_stay_in_their_machine():
    """Private names of a machine's modules are imported only inside that machine's package."""
    for module, path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("toyinduction.machines."):
                owner = ".".join(node.module.split(".")[:3])
                private = [alias.name for alias in node.names if alias.name.startswith("_")]
                assert not private or module.startswith(owner), f"{module} imports {private} from {node.module}"


def test_the_public_api_is_one_import():
    assert {"machine", "Mixture", "demo", "experiment", "RunStore", "Machine", "Status"} <= set(dir(toyinduction))
    for name in toyinduction.__all__:
        assert getattr(toyinduction, name) is not None, name
    with pytest.raises(AttributeError):
        toyinduction.no_such_name


def test_every_public_function_has_a_docstring():
    missing = []
    for module, path in _modules():
        tree = ast.parse(path.read_text())
        members = [(None, node) for node in tree.body] + [
            (node.name, inner) for node in tree.body if isinstance(node, ast.ClassDef) and not node.name.startswith("_")
            for inner in node.body]
        for owner, node in members:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                if ast.get_docstring(node) is None:
                    missing.append(f"{module}.{owner + '.' if owner else ''}{node.name}")
    assert not missing, missing
