"""axe-core in a Playwright page: inject it, run it, and describe what it found.

axe-core comes from npm (package.json at the repository root, installed by `make test` with
`npm ci`); without npm the accessibility tests skip and say why.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Rules that Django's own admin templates break and that cannot be fixed without rewriting
# them; applied to /admin/ pages only (each with its reason). Empty is the goal.
ADMIN_ONLY_EXCLUSIONS: dict[str, str] = {}


def axe_source() -> str:
    """axe.min.js, installed with `npm ci` first when npm is there and it is missing."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: axe-core (package.json) cannot be installed; CI has node/npm")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True, capture_output=True)
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, source: str, *, disabled: tuple[str, ...] = ()) -> list[dict]:
    """The violations axe-core finds in the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    rules = {rule: {"enabled": False} for rule in disabled}
    return page.evaluate(
        "async (rules) => (await axe.run(document, {rules, resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary,"
        " html: n.html.slice(0, 200)}))}))",
        rules,
    )


def describe(found: dict[str, list[dict]]) -> str:
    """Violations per page, readable in a test failure."""
    lines = []
    for where, violations in found.items():
        lines.append(f"\n== {where}")
        for violation in violations:
            lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
            for node in violation["nodes"][:5]:
                summary = (node["summary"] or "").replace("\n", " ")[:300]
                lines.append(f"      at {node['target']}: {summary}")
                lines.append(f"         {node['html']}")
            if len(violation["nodes"]) > 5:
                lines.append(f"      ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
