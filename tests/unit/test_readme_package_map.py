"""The README's architecture section is true to the code: its package map is the generated one, and every path the
tier-by-layer grid names exists.

A map written by hand drifts as soon as a module moves; this test makes the drift a failure that names the command
which rewrites the map.
"""

from __future__ import annotations

import re
from pathlib import Path

from support.package_map import README, ROOT, generated_map, readme_map

GRID_ROW = re.compile(r"^\| (Lambda \(generic\)|ML|Apps) \|(.*)\|$", re.MULTILINE)
LAYER_FOLDERS = ("oryx_assets", "oryx_streaming", "oryx_serving", "oryx_core")
TIER_FOLDERS = {"Lambda (generic)": "lambda_", "ML": "ml", "Apps": "apps"}


def _expand(pattern: str) -> list[str]:
    """``apps/{als/,kmeans.py}`` -> ``apps/als/``, ``apps/kmeans.py`` (one brace group, as the grid writes them)."""
    match = re.search(r"\{([^}]*)\}", pattern)
    if match is None:
        return [pattern]
    return [pattern[: match.start()] + choice + pattern[match.end() :] for choice in match.group(1).split(",")]


def test_readme_package_map_is_the_generated_one() -> None:
    readme = README.read_text(encoding="utf-8")
    current = readme_map(readme)
    assert current is not None, "README.md lacks the package-map markers"
    assert current == generated_map(), (
        "README.md's package map is out of date; run: .venv/bin/python tests/support/package_map.py --write"
    )


def test_every_path_in_the_tier_by_layer_grid_exists() -> None:
    rows = GRID_ROW.findall(README.read_text(encoding="utf-8"))
    assert [tier for tier, _ in rows] == list(TIER_FOLDERS)
    checked = 0
    for tier, cells in rows:
        for layer, cell in zip(LAYER_FOLDERS, cells.split("|"), strict=True):
            base = ROOT / layer
            for code in re.findall(r"`([^`]+)`", cell):
                for relative in _expand(code):
                    if relative.startswith(f"{TIER_FOLDERS[tier]}/") or "/" in relative or relative.endswith(".py"):
                        found = any(base.glob(relative)) if "*" in relative else (base / relative).exists()
                        assert found, f"README grid, {tier} × {layer}: {relative} does not exist"
                        checked += 1
    assert checked >= 20


def test_every_app_package_is_in_the_grid() -> None:
    apps_row = dict(GRID_ROW.findall(README.read_text(encoding="utf-8")))["Apps"]
    for layer, cell in zip(LAYER_FOLDERS, apps_row.split("|"), strict=True):
        named = {Path(p).stem for code in re.findall(r"`([^`]+)`", cell) for p in _expand(code.rstrip("/"))}
        present = {
            p.stem for p in (ROOT / layer / "apps").iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()
        }
        present.discard("__init__")
        assert present <= named, f"README grid omits {layer}/apps/{sorted(present - named)}"
