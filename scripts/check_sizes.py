#!/usr/bin/env python
"""Size limits (issue 10), run by `make lint`:

- no module of the portal's apps (the simulator's too) passes 600 lines;
- no function of `putcodes/` passes 60 lines or a cyclomatic complexity of 15 (radon).

A module still to be split goes in ALLOWED_LONG_MODULES with the issue that splits it, so that
lint passes meanwhile; nothing else may grow past the limits.
"""

from __future__ import annotations

import sys
from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
MAX_COMPLEXITY = 15
# Code that is not an app of the portal: the project package, tests, scripts, benchmarks.
NOT_APPS = {"orcid_portal", "tests", "scripts", "benchmarks", "docs", "schemas", "static", "templates"}
FUNCTION_CHECKED = ["putcodes"]
# path -> why it may still be long (to split, with its issue).
# Empty: orcid_client/client.py was split (transport.py, oauth.py); nothing may grow past the limits.
ALLOWED_LONG_MODULES: dict[str, str] = {}


def _apps() -> list[Path]:
    return sorted(
        path for path in ROOT.iterdir()
        if path.is_dir() and (path / "__init__.py").exists() and path.name not in NOT_APPS
    )


def _modules(package: Path):
    for path in sorted(package.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def long_modules() -> list[str]:
    found = []
    for app in _apps():
        for path in _modules(app):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            name = str(path.relative_to(ROOT))
            if lines > MAX_MODULE_LINES and name not in ALLOWED_LONG_MODULES:
                found.append(f"{name}: {lines} lines (at most {MAX_MODULE_LINES})")
    return found


def _functions(blocks):
    for block in blocks:
        if block.letter in ("F", "M"):
            yield block
        yield from _functions(getattr(block, "methods", []) or [])
        yield from _functions(getattr(block, "closures", []) or [])


def complex_functions() -> list[str]:
    found = []
    for package in FUNCTION_CHECKED:
        for path in _modules(ROOT / package):
            name = str(path.relative_to(ROOT))
            for block in _functions(cc_visit(path.read_text(encoding="utf-8"))):
                length = block.endline - block.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{name}:{block.lineno} {block.fullname}: {length} lines (at most {MAX_FUNCTION_LINES})")
                if block.complexity > MAX_COMPLEXITY:
                    found.append(
                        f"{name}:{block.lineno} {block.fullname}: complexity {block.complexity} (at most {MAX_COMPLEXITY})"
                    )
    return found


def main() -> int:
    problems = long_modules() + complex_functions()
    for problem in problems:
        print(problem)
    stale = [name for name in ALLOWED_LONG_MODULES if not (ROOT / name).exists()]
    for name in stale:
        print(f"{name}: listed in ALLOWED_LONG_MODULES but gone; remove the line")
    return 1 if problems or stale else 0


if __name__ == "__main__":
    sys.exit(main())
