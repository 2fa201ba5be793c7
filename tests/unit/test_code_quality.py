"""The layer map and the style rules are checked, not hoped for: ruff and import-linter run with the tests."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, text=True, capture_output=True, check=False)


def test_ruff_lint_is_clean() -> None:
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_hold() -> None:
    result = run(str(BIN / "lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr


MAX_MODULE_LINES = 400
PACKAGES = ("oryx_core", "oryx_assets", "oryx_streaming", "oryx_serving", "oryx_cli")


def tracked_python_files() -> list[Path]:
    listed = run("git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py").stdout.split()
    return [REPO / name for name in listed if (REPO / name).exists()]


def test_no_python_file_is_over_400_lines() -> None:
    """A module over 400 lines almost always does several jobs; split it by job (tests and benchmarks too)."""
    long = {
        str(path.relative_to(REPO)): lines
        for path in tracked_python_files()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_oryx_core_holds_no_test_fake_and_no_demo() -> None:
    """oryx_core is code every layer shares: fakes live in tests/support/, demos in oryx_cli/demos/."""
    misplaced = [
        str(path.relative_to(REPO))
        for path in (REPO / "oryx_core").rglob("*.py")
        if any(word in path.stem for word in ("demo", "fake", "memory", "movielens"))
    ]
    assert misplaced == []


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_import_circle() -> None:
    """Run-time imports only (``if TYPE_CHECKING:`` ones do not execute): a circle means two modules share a job."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.c", imported="a.d")
    assert _cycles(graph) == [["a.b", "a.c"]]


def test_test_file_names_are_unique() -> None:
    """pytest imports test files by basename (no ``__init__.py`` packages here): two files of one name stop the
    whole run at collection ("import file mismatch"), which a run of one folder does not show."""
    names = Counter(path.name for path in (REPO / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
