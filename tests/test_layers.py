"""The architecture, checked: dependencies point one way (down the layers, never sideways or up), no cycles, small
files, tests mirror the package; the README's diagram is drawn from the import graph (``python -m tests.test_layers``
prints it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "usmx"
TESTS = Path(__file__).parent
#: layers that must never reach up to the façade
LOWER = (
    "sources",
    "indicators",
    "evaluate",
    "report",
    "fetch",
    "engines",
    "checks",
    "catalog",
    "warehouse",
    "rawstore",
    "demo",
)


def _module(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every usmx module a file imports, at any depth of the file (lazy imports count too)."""
    mod = _module(path)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("usmx")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("usmx"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if _exists(sub) else target)
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (SRC / rel).with_suffix(".py").exists() or (SRC / rel / "__init__.py").exists()


FILES = sorted(SRC.rglob("*.py"))
GRAPH = {_module(p): _imports(p) for p in FILES}

#: the layers, bottom first: a module may import modules of a lower layer, or of its own package, and nothing else
LAYERS: list[tuple[str, ...]] = [
    ("_version", "_dates", "_db", "_signals", "errors"),
    ("_yaml",),
    ("config", "containers", "i18n", "outdir"),
    ("catalog",),
    ("checks", "rawstore"),
    ("sources",),
    ("warehouse", "fetch"),
    ("engines", "evaluate"),
    ("indicators",),
    ("evidence",),
    ("report", "snapshot", "demo", "update"),
    ("api",),
    ("web",),
    ("cli",),
    ("usmx", "__main__"),
]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}


def _unit(module: str) -> str:
    """The package (or top-level module) a module belongs to: 'usmx.evidence.claims.fentanyl' -> 'evidence'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "usmx"


def _unit_edges() -> set[tuple[str, str]]:
    return {(_unit(m), _unit(d)) for m, deps in GRAPH.items() for d in deps if _unit(m) != _unit(d)}


def diagram() -> str:
    """The layers and what each imports from the layers below (not the foundation's three layers, which everything
    may use), as a Mermaid flowchart for the README."""
    base = set(LAYERS[0]) | set(LAYERS[1]) | set(LAYERS[2])
    lines = ["```mermaid", "flowchart BT"]
    for i, names in enumerate(LAYERS[3:-1], start=3):
        lines.append(f'  subgraph L{i}[" "]')
        lines += [f"    {n.strip('_')}[{n}]" for n in names]
        lines.append("  end")
    for a, b in sorted(_unit_edges()):
        if a in base or b in base or a in LAYERS[-1]:
            continue
        lines.append(f"  {a.strip('_')} --> {b.strip('_')}")
    lines.append("```")
    return "\n".join(lines)


def _layer(path: Path) -> str:
    parts = _module(path).split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("path", [p for p in FILES if _layer(p) in LOWER], ids=_module)
def test_lower_layers_never_import_the_facade(path):
    assert "usmx.api" not in GRAPH[_module(path)], f"{_module(path)} imports usmx.api"
    assert "usmx" not in GRAPH[_module(path)], f"{_module(path)} imports the usmx package (and so the API)"
    assert "Observatory" not in path.read_text(encoding="utf-8"), f"{_module(path)} names the Observatory"


def test_every_module_is_in_a_layer():
    assert sorted({_unit(m) for m in GRAPH} - set(RANK)) == [], "place the new package in LAYERS"


def test_no_import_goes_up_or_sideways():
    """Each import goes to a lower layer or stays in its own package: 0 upward or sideways imports."""
    wrong = sorted(
        f"{m} -> {d}"
        for m, deps in GRAPH.items()
        for d in deps
        if _unit(m) != _unit(d) and RANK[_unit(d)] >= RANK[_unit(m)]
    )
    assert wrong == [], f"{len(wrong)} imports go up or sideways: {wrong}"


def test_the_readme_diagram_is_the_import_graph():
    readme = (SRC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert diagram() in readme, "the README's layer diagram is stale: python -m tests.test_layers prints it"


def test_no_import_cycles():
    """No cycle among modules (a module importing its own package's __init__ is how packages work, not a cycle)."""

    def edges(mod: str) -> set[str]:
        return {t for t in GRAPH.get(mod, ()) if t in GRAPH and not mod.startswith(t + ".") and t != mod}

    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(mod: str) -> None:
        state[mod] = 1
        stack.append(mod)
        for t in edges(mod):
            if state.get(t) == 1:
                cycle = stack[stack.index(t) :] + [t]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[mod] = 2

    for mod in GRAPH:
        if mod not in state:
            visit(mod)


@pytest.mark.parametrize("path", FILES, ids=_module)
def test_no_source_file_over_500_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 500


def test_the_cli_and_the_web_app_are_the_only_users_of_the_facade_inside_the_package():
    users = {m for m, deps in GRAPH.items() if "usmx.api" in deps}
    assert users <= {
        "usmx",
        "usmx.cli.data",
        "usmx.cli.indicators",
        "usmx.cli.fetch",
        "usmx.cli.evaluate",
        "usmx.cli.audit",
        "usmx.cli._output",  # observatory(): the façade, imported when a command runs
        "usmx.web.app",  # the read-only API: the façade over HTTP, as the CLI is over a terminal
    }, users


def test_tests_mirror_the_package():
    """tests/<pkg>/test_<module>[_topic].py for src/usmx/<pkg>/<module>.py (or a package of that name); a package's
    own __init__ is tested as tests/<pkg>/test_<pkg>[_topic].py."""
    allowed = {"docs", "layers", "benchmarks"}
    for path in TESTS.rglob("test_*.py"):
        folder = path.parent.relative_to(TESTS)
        stem = path.stem.removeprefix("test_")
        base = SRC / folder
        names = {p.stem for p in base.glob("*.py")} | {p.name for p in base.iterdir() if p.is_dir()} | {base.name}
        assert any(stem == n or stem.startswith(n + "_") for n in names | allowed), (
            f"{path.relative_to(TESTS)} does not name a module of src/usmx/{folder}"
        )


if __name__ == "__main__":  # python -m tests.test_layers: the README's diagram
    print(diagram())
