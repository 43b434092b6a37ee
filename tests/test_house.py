"""Rules of the house a reviewer checks, computed from the source with ``ast``.

Nothing here is a list of expected results: each test reads ``src/cloudtel`` (and
``docs/api.md``) as it is and reports every place that breaks its rule, with
``file:line``.

- No import cycle among cloudtel's modules, except inside ``cloudtel.schedules``.
  Only imports that run count: module-level and function-level ones, not those under
  ``if TYPE_CHECKING:``.
- The domain never imports the plugin machinery (``cloudtel.plugins``,
  ``cloudtel.hookspecs``, ``pluggy``); only the edge of the house does.
- ``cloudtel.__all__`` is sorted and every name in it is documented.
"""

from __future__ import annotations

import ast
import fnmatch
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "cloudtel"

EDGE = (
    "cloudtel",  # the package itself only re-exports the public API, the edge included
    "cloudtel.cli*",
    "cloudtel._*_cli",
    "cloudtel.plugins",
    "cloudtel.hookspecs",  # the other half of the plugin room: pluggy's markers
    "cloudtel.provisioning",
    "cloudtel.sip",
    "cloudtel.sip_recording",  # SIP and RTP: a backend of the prompt-recording hook
    "cloudtel.messaging*",
    "cloudtel.serialization",
    "cloudtel.testing",
    "cloudtel.driverkit",
    "cloudtel.org",  # the composition root
)
"""Modules at the edge of the house (glob patterns); every other module is domain."""

PLUGIN_MACHINERY = ("cloudtel.plugins", "cloudtel.hookspecs", "pluggy", "pluggy.*")
"""What domain modules never import (``cloudtel.hookspecs`` imports pluggy at its top)."""


@attrs.frozen
class Import:
    """One import statement that runs: ``module`` imports ``target`` at ``file:line``."""

    module: str
    target: str
    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}: {self.module} imports {self.target}"


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its ``__init__``)."""
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below ``node`` except the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


def runtime_imports(module: str, path: Path, known: dict[str, Path]) -> list[Import]:
    """The imports of ``module`` that run, module-level and function-level.

    ``from package import name`` imports the module ``package.name`` when there is
    one, else ``package`` itself. Each import is listed once per line.
    """
    is_package = path.name == "__init__.py"
    found: dict[Import, None] = {}
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(
                dict.fromkeys(Import(module, a.name, path, node.lineno) for a in node.names)
            )
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found[Import(module, target if target in known else base, path, node.lineno)] = None
    return list(found)


def import_graph() -> list[Import]:
    """Every runtime import of the package."""
    known = modules()
    return [found for name, path in known.items() for found in runtime_imports(name, path, known)]


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with a cycle (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                components.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components


def _in_schedules(name: str) -> bool:
    return name == "cloudtel.schedules" or name.startswith("cloudtel.schedules.")


def test_no_import_cycle_outside_schedules() -> None:
    known = modules()
    imports = [i for i in import_graph() if i.target in known]
    edges: dict[str, set[str]] = {}
    for found in imports:
        edges.setdefault(found.module, set()).add(found.target)
    report = []
    for component in _cycles(edges):
        if all(_in_schedules(name) for name in component):
            continue
        report.append(f"cycle among {', '.join(sorted(component))}:")
        report += [f"  {i}" for i in imports if i.module in component and i.target in component]
    assert not report, "\n".join(report)


def test_the_domain_never_imports_the_plugin_machinery() -> None:
    violations = [
        str(i)
        for i in import_graph()
        if not _matches(i.module, EDGE) and _matches(i.target, PLUGIN_MACHINERY)
    ]
    assert not violations, "domain modules import the plugin machinery:\n" + "\n".join(violations)


def _module_body(path: Path) -> list[ast.stmt]:
    """The top-level statements, with those inside top-level ``if``/``try`` blocks."""
    pending = list(ast.parse(path.read_text(encoding="utf-8"), str(path)).body)
    body: list[ast.stmt] = []
    while pending:
        statement = pending.pop(0)
        body.append(statement)
        if isinstance(statement, ast.If | ast.Try):
            pending[:0] = [*statement.body, *statement.orelse]
    return body


def _bound_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for item in target.elts for name in _bound_names(item)]
    return []


def _has_docstring(
    module: str, name: str, known: dict[str, Path], seen: set[tuple[str, str]]
) -> bool:
    """Whether ``name`` of ``module`` has a docstring where it is defined.

    The last statement binding the name counts, as at run time (the implementation
    after its ``@overload`` stubs); a name imported from another cloudtel module is
    looked up there.
    """
    if (module, name) in seen or module not in known:
        return False
    seen.add((module, name))
    body = _module_body(known[module])
    for position in reversed(range(len(body))):
        statement = body[position]
        if isinstance(statement, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            if statement.name == name:
                return bool(ast.get_docstring(statement))
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(name in _bound_names(target) for target in targets):
                after = body[position + 1] if position + 1 < len(body) else None
                return (
                    isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)
                    and bool(after.value.value.strip())
                )
        elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
            for alias in statement.names:
                if (alias.asname or alias.name) == name:
                    return _has_docstring(statement.module, alias.name, known, seen)
    return False


def _public_names() -> list[str]:
    init = SRC / PACKAGE / "__init__.py"
    for statement in _module_body(init):
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in statement.targets
        ):
            assert isinstance(statement.value, ast.List | ast.Tuple)
            names = []
            for item in statement.value.elts:
                where = f"{init.relative_to(ROOT)}:{item.lineno}"
                assert isinstance(item, ast.Constant), f"{where}: __all__ holds text only"
                assert isinstance(item.value, str), f"{where}: __all__ holds text only"
                names.append(item.value)
            return names
    raise AssertionError(f"{init.relative_to(ROOT)} has no __all__ list")


def test_the_public_names_are_sorted() -> None:
    names = _public_names()
    misplaced = [
        f"{before!r} before {after!r}"
        for before, after in itertools.pairwise(names)
        if before >= after
    ]
    assert not misplaced, "cloudtel.__all__ is not sorted (or repeats a name): " + "; ".join(
        misplaced
    )


def test_every_public_name_is_documented() -> None:
    known = modules()
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    undocumented = [
        name
        for name in _public_names()
        if not _has_docstring(PACKAGE, name, known, set())
        and not re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", api)
    ]
    assert not undocumented, (
        "public names without a docstring where they are defined, nor in docs/api.md: "
        + ", ".join(undocumented)
    )
