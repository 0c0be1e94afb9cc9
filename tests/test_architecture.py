"""House rules that code review would otherwise have to remember."""

import ast
import subprocess
import sys
from pathlib import Path

from assistant.settings import ROOT_DIR

PACKAGE = ROOT_DIR / "assistant"
WEB_MODULES = ("fastapi", "starlette", "jinja2", "assistant.web")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_services_and_the_state_machine_do_not_import_the_web_layer():
    rule_modules = [
        *PACKAGE.glob("*/service.py"),
        *PACKAGE.glob("*/conversation.py"),
        *PACKAGE.glob("classifier/*.py"),
        *PACKAGE.glob("nlp/*.py"),
    ]
    rule_modules = [p for p in rule_modules if p.name not in {"api.py", "schemas.py", "pages.py"}]
    offenders = {
        str(p.relative_to(ROOT_DIR)): sorted(i for i in _imports(p) if i.startswith(WEB_MODULES))
        for p in rule_modules
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_settings_reads_the_environment():
    readers = [
        str(p.relative_to(ROOT_DIR))
        for p in PACKAGE.rglob("*.py")
        if p.name != "settings.py"
        if "os.environ" in p.read_text(encoding="utf-8")
        or "getenv(" in p.read_text(encoding="utf-8")
    ]
    assert readers == []


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "assistant", "tests", "bench", "migrations"],
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
