"""The import-linter contracts in pyproject (docs/architecture.md): the tree keeps them,
and they do catch what they are there for.

``lint-imports`` runs them in ``.ci/run``; this test runs them under ``bin/test`` too.
The second half copies the contracts onto a small made-up package (``fakeprop``), so
each rule is seen to break on the import it forbids, and the optional mechanisms
(meetings, fees… being written now) are seen not to break the lint while absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

configuration.configure()  # what the lint-imports command does first

ROOT = Path(__file__).resolve().parents[2]

# Every app named (not optional) in the contracts, so the fake tree satisfies them.
APPS = (
    "core",
    "people",
    "orgs",
    "territory",
    "accounts",
    "calendars",
    "duty",
    "notifications",
    "requests",
    "contact",
    "open311",
    "privacy",
    "votes",
    "web",
    "dashboards",
    "demo",
)


CONTRACTS = ("layers", "no-cycles", "mechanisms-independent", "calendar-below-requests-and-duty")


def _results(config: Path) -> dict[str, bool]:
    """Contract id → kept, as ``lint-imports`` says (without its cache)."""
    return {
        contract: lint_imports(
            config_filename=str(config), limit_to_contracts=(contract,), cache_dir=None
        )
        for contract in CONTRACTS
    }


def _contracts_text() -> str:
    """The ``[tool.importlinter]`` part of pyproject (it is the file's last section)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return text[text.index("[tool.importlinter]") :]


def test_the_tree_keeps_every_contract() -> None:
    results = _results(ROOT / "pyproject.toml")
    assert all(results.values()), results


@pytest.fixture
def fake_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A package with the real contracts and an empty module per app; returns a function
    that writes ``fakeprop/<path>`` and one that checks the contracts."""
    package = tmp_path / "fakeprop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for app in APPS:
        (package / app).mkdir()
        (package / app / "__init__.py").write_text("")
        (package / app / "models.py").write_text("")
    # The no-cycles contract skips tests and migrations, which it expects to find.
    for sub in ("tests", "core/tests", "core/migrations"):
        (package / sub).mkdir(exist_ok=True)
        (package / sub / "__init__.py").write_text("")
    config = tmp_path / "pyproject.toml"
    config.write_text(_contracts_text().replace("redprop", "fakeprop"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(path: str, source: str = "") -> None:
        target = package / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.parent != package and not (target.parent / "__init__.py").exists():
            (target.parent / "__init__.py").write_text("")
        target.write_text(source)

    return write, lambda: _results(config)


def test_a_clean_tree_keeps_them_with_the_optional_mechanisms_absent(fake_tree) -> None:
    """meetings, fees, notices… do not exist in the fake tree: the lint still passes."""
    write, check = fake_tree
    write("requests/services.py", "import fakeprop.duty.models\nimport fakeprop.core.models\n")
    write("web/views.py", "import fakeprop.requests.services\nimport fakeprop.contact.models\n")
    assert all(check().values())


def test_a_lower_layer_importing_a_higher_one_breaks_layers(fake_tree) -> None:
    write, check = fake_tree
    write("core/models.py", "def f():\n    from fakeprop.territory import models\n")
    assert check()["layers"] is False


def test_siblings_that_must_not_know_each_other_break_layers(fake_tree) -> None:
    write, check = fake_tree
    write("web/views.py", "import fakeprop.dashboards.models\n")
    assert check()["layers"] is False


def test_an_optional_mechanism_is_checked_once_it_exists(fake_tree) -> None:
    write, check = fake_tree
    write("meetings/__init__.py")
    write("meetings/services.py", "import fakeprop.votes.models\nimport fakeprop.requests.models\n")
    assert all(check().values())  # a mechanism may build on requests and on another one
    write("requests/services.py", "import fakeprop.meetings.services\n")
    assert check()["layers"] is False


def test_a_cycle_inside_an_app_breaks_no_cycles(fake_tree) -> None:
    write, check = fake_tree
    write("dashboards/services.py", "def enqueue():\n    from fakeprop.dashboards import tasks\n")
    write("dashboards/tasks.py", "from fakeprop.dashboards import services\n")
    results = check()
    assert results["no-cycles"] is False
    assert results["layers"] is True


def test_independent_mechanisms_break_when_one_imports_another(fake_tree) -> None:
    write, check = fake_tree
    write("contact/services.py", "import fakeprop.open311.models\n")
    assert check()["mechanisms-independent"] is False


def test_tests_may_import_any_app(fake_tree) -> None:
    """A test builds its world with any app's services: outside the layers."""
    write, check = fake_tree
    write("core/tests/__init__.py")
    write("core/tests/test_x.py", "import fakeprop.web.models\nimport fakeprop.demo.models\n")
    assert all(check().values())
