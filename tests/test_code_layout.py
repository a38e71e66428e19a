"""The shape of app/, kept by tests: modules import each other in one direction only,
no page module reaches into another feature's pages, and views stay short enough to
read as the page's story (docs/architecture.md)."""
from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
MAX_VIEW_LINES = 40


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in APP.rglob("*.py")}


def runtime_imports(tree: ast.AST):
    """Every import statement that runs: at module level and inside functions alike (a
    cycle hidden in a function is still a cycle: it only fails later, on some request),
    but not those under `if TYPE_CHECKING:`, which never run."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return [n for n in ast.walk(tree)
            if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in skipped]


def imported_modules(name: str, modules: dict[str, Path] = MODULES) -> set[str]:
    """The app modules `name` imports. `from package import module` counts as importing
    the module; a package's own __init__ running first is not counted as an edge (it
    only gathers its rooms, and would make every package a cycle with its children)."""
    path = modules[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
            continue
        if node.level:
            base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        for alias in node.names:
            found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {m for m in found if m in modules and m != name}


def import_cycles(modules: dict[str, Path] = MODULES) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    graph = {name: imported_modules(name, modules) for name in modules}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def view_functions():
    """(module, function, lines) for every function a blueprint routes to."""
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                    and d.func.attr in ("route", "get", "post") for d in node.decorator_list):
                yield name, node.name, node.end_lineno - node.lineno + 1


def test_no_module_in_app_imports_itself_round_a_cycle():
    assert import_cycles() == []


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path):
    """The check above can fail: two modules importing each other are reported, even
    when one import waits inside a function; a TYPE_CHECKING import is not one."""
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from .b import g\n")
    (package / "b.py").write_text("from . import a\n\ndef g():\n    pass\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\n\n"
                                  "from .a import f\n\nif TYPE_CHECKING:\n    from . import c\n")
    modules = {"app": package / "__init__.py", "app.a": package / "a.py",
               "app.b": package / "b.py", "app.c": package / "c.py"}
    assert import_cycles(modules) == [["app.a", "app.b"]]


def test_no_page_module_imports_another_page_module():
    """Modules with routes share code through domain modules, never through each other
    (not even within one feature)."""
    view_modules = {name for name, _f, _n in view_functions()}
    offenders = {(name, other) for name in view_modules for other in imported_modules(name)
                 if other in view_modules}
    assert offenders == set()


def test_every_view_function_reads_in_one_screen():
    long_views = [(module, function, lines) for module, function, lines in view_functions()
                  if lines > MAX_VIEW_LINES]
    assert long_views == []
