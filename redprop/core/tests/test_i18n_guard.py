"""No untranslated Chinese text can reach a user: an AST scan of the source.

The interface is Chinese first and English switchable, so every user-visible
Chinese literal must go through gettext. Two rules, checked over every module of
``redprop/`` and ``config/`` except tests, migrations and demo data:

1. A message given to an error (``ApplicationError``, ``NotFound``,
   ``PermissionDenied``, ``Conflict``, ``ValidationError``, ``Http404`` …) or to a
   helper that raises one (``_require``, ``_reason``, ``_save_unique``, ``_denied``)
   is wrapped in a gettext function: no bare literal, no f-string.
2. Any other Chinese literal outside a gettext call is either data (listed in
   ``DATA`` below, with the reason) or one of the few kinds of text that are not
   shown to users (docstrings, log messages, programming errors, OpenAPI tags).

And the wrapping itself must work: no f-string, concatenation or ``.format`` inside
gettext (xgettext would extract nothing, or the wrong text), and no eager
``gettext`` at import time (it would freeze the language of whoever imported the
module first — use ``gettext_lazy`` for module-level constants).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CJK = re.compile(r"[\u3400-\u9fff]")

# Every gettext function Django's makemessages extracts (and gettext_noop: marked, kept).
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}
LAZY = {"gettext_lazy", "ngettext_lazy", "pgettext_lazy", "npgettext_lazy"}
NOOP = {"gettext_noop"}
GETTEXT = EAGER | LAZY | NOOP

# Callables whose message reaches a user (errors, and helpers that raise them or
# show a page); their Chinese arguments must be wrapped.
MESSAGE_SINKS = {
    "ApplicationError",
    "NotFound",
    "PermissionDenied",
    "Conflict",
    "ValidationError",
    "DjangoValidationError",
    "Http404",
    "PermanentFailure",
    "DeliveryError",
    "_require",
    "_reason",
    "_save_unique",
    "_denied",
    "add_error",
    "message_user",
}
# messages.success(request, …) and the other django.contrib.messages shortcuts.
MESSAGE_LEVELS = {"success", "error", "warning", "info", "debug", "add_message"}
LOGGERS = {"logger", "logging", "log"}

# Chinese text that is not shown to users as interface text, by the call it is in
# (and any logger.<level>(…) call: a log line for operators).
NOT_UI_CALLS = {
    "RuntimeError",  # a programming error (append-only rows), never a user message
    "ValueError",
    "AssertionError",
    "Router",  # OpenAPI tags
    "NinjaAPI",  # the OpenAPI title
}

# Files that are data, not interface text: the demo data set and the default
# category tree (both are rows in the database, shown as entered).
DATA_FILES = {
    # Seed rows of the holiday table and the default calendars (names of holidays as
    # the State Council writes them, sources), stored and edited as data.
    "redprop/calendars/library.py",
    "redprop/requests/taxonomy.py",
    # The default SLA policy's name, a row edited in the admin like any other policy.
    "redprop/requests/defaults.py",
    "redprop/conftest.py",
    # The default star-rating sheet, copied into each cycle as rows the bureau edits.
    "redprop/ratings/template.py",
    # The paper-ballot xlsx: its column heads and the choice words staff type are the
    # importer's input tokens (read back by the same module), not interface text.
    "redprop/votes/services/paper_import.py",
    # Journal-entry memos and the demo provider's name: stored in the books as data in
    # the platform language (the ledger is append-only; memos are never re-rendered).
    "redprop/fees/billrun.py",
    "redprop/fees/payments.py",
    "redprop/fees/providers.py",
    # The reason written to the PII access log when a hardship tag is checked (data).
    "redprop/fees/hardship.py",
}
DATA_DIRS = ("redprop/demo/",)

# Single literals that are data, each with its reason (file -> literals).
DATA: dict[str, set[str]] = {
    # The default person tags are rows (PersonTag.name), edited in the admin.
    "redprop/people/choices.py": {
        "独居老人",
        "老年人",
        "儿童",
        "残疾人",
        "低收入/困难家庭",
        "失地农民",
        "退役军人",
        "党员",
        "租户",
    },
    # The name of the default SLA policy row, created once.
    "redprop/requests/policies.py": {"径河街道“5341”快速响应（平台默认）"},
    # A party branch's name: "<company>党支部" is stored as the organisation's name.
    "redprop/orgs/services.py": {"党支部"},
    # The same for a proposed branch: "<company><compound>党支部" is the proposal's name.
    "redprop/party/services.py": {"党支部"},
    # Stop words of the duplicate finder (Chinese text analysis, not shown).
    "redprop/requests/dedupe.py": {
        "的了在是我和就都而及与着或一个没有我们你们他们这那有也很吗呢吧啊请"
    },
    # The kinds of day a holiday file may spell in Chinese (input tokens, not shown).
    "redprop/calendars/imports.py": {"休", "放假", "班", "上班"},
    # The default meeting place, stored on a series (edited like any other field).
    "redprop/meetings/choices.py": {"红色物业议事厅"},
    # OpenAPI field and operation descriptions for integrators (documentation).
    "redprop/fees/api.py": {
        "业委会签字 (a member of the compound's owners' committee).",
        "党组织签字 (the community party organisation), after the committee.",
        "发布公示: the month is closed; later corrections show next month.",
        '元，字符串，如 "40.28"',
        '元，字符串，如 "0.45"',
    },
    # The console SMS backend's line for developers.
    "redprop/notifications/sms.py": {"[短信] "},
    # Open311's public reads mask flat numbers such as "3栋2单元501" (a pattern, not text).
    "redprop/open311/selectors.py": {
        r"\d[\d\s-]{5,}\d[\dXx]?|\d+\s*(?:栋|幢|号楼)\s*\d*\s*单元?\s*\d*(?:室|号)?"
    },
    # The From: of outgoing mail (a setting, overridden by DJANGO_DEFAULT_FROM_EMAIL).
    # and the issuer an authenticator app shows beside the code (OTP_TOTP_ISSUER).
    "config/settings/base.py": {"红色物业平台 <noreply@localhost>", "红色物业平台"},
}


def _sources() -> list[Path]:
    files = []
    for base in ("redprop", "config"):
        for path in sorted((ROOT / base).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/tests/" in rel or "/migrations/" in rel or rel in DATA_FILES:
                continue
            if rel.startswith(DATA_DIRS):
                continue
            files.append(path)
    return files


SOURCES = _sources()


def _name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _receiver(func: ast.AST) -> str | None:
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    return None


def _is_sink(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    if _receiver(node.func) == "messages":
        return _name(node.func) in MESSAGE_LEVELS
    return _name(node.func) in MESSAGE_SINKS and _receiver(node.func) not in LOGGERS


def _is_not_ui(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    return _receiver(node.func) in LOGGERS or _name(node.func) in NOT_UI_CALLS


class _Module:
    """One parsed module: parents, docstrings, and what each local name of gettext is."""

    def __init__(self, path: Path, rel: str | None = None) -> None:
        self.rel = rel or path.relative_to(ROOT).as_posix()
        self.tree = ast.parse(path.read_text(encoding="utf-8"), filename=self.rel)
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
        self.docstrings: set[ast.AST] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                first = node.body[0] if node.body else None
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    self.docstrings.add(first.value)
        # local name -> gettext function ("_" is gettext or gettext_lazy per module)
        self.gettext: dict[str, str] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    if alias.name in GETTEXT:
                        self.gettext[alias.asname or alias.name] = alias.name

    def gettext_kind(self, node: ast.AST) -> str | None:
        """The gettext function a call is, if it is one."""
        if not isinstance(node, ast.Call):
            return None
        name = _name(node.func)
        if isinstance(node.func, ast.Attribute):  # translation.gettext(...)
            return name if name in GETTEXT else None
        return self.gettext.get(name or "")

    def ancestors(self, node: ast.AST) -> list[ast.AST]:
        out = []
        while node in self.parent:
            node = self.parent[node]
            out.append(node)
        return out

    def chinese_literals(self) -> list[ast.AST]:
        """String constants and f-strings with Chinese text (not docstrings)."""
        found = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(
                    v.value
                    for v in node.values
                    if isinstance(v, ast.Constant) and isinstance(v.value, str)
                )
                if CJK.search(text):
                    found.append(node)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CJK.search(node.value)
                and node not in self.docstrings
                and not isinstance(self.parent.get(node), ast.JoinedStr)
            ):
                found.append(node)
        return found


MODULES = [_Module(p) for p in SOURCES]


def _constant_parts(node: ast.AST) -> set[str]:
    """The literal pieces of an f-string."""
    values = node.values if isinstance(node, ast.JoinedStr) else []
    return {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)}


def _where(m: _Module, node: ast.AST) -> str:
    text = node.value if isinstance(node, ast.Constant) else ast.unparse(node)
    return f"{m.rel}:{node.lineno}: {str(text)[:60]!r}"


def test_the_scan_sees_the_code():
    """The guard looks at the real modules (a broken path would make it pass vacuously)."""
    rels = {m.rel for m in MODULES}
    assert "redprop/requests/services/dispatch.py" in rels
    assert "redprop/dashboards/pdf.py" in rels
    assert not any("/tests/" in r or "/migrations/" in r for r in rels)
    wrapped = sum(1 for m in MODULES for n in ast.walk(m.tree) if m.gettext_kind(n) is not None)
    assert wrapped > 400


def _bare_messages(m: _Module) -> list[ast.AST]:
    """Chinese literals that reach an error/message call without a gettext call between."""
    found = []
    for lit in m.chinese_literals():
        for anc in m.ancestors(lit):
            if m.gettext_kind(anc) is not None:
                break  # wrapped before reaching any sink
            if _is_sink(anc):
                found.append(lit)
                break
    return found


def test_error_messages_are_wrapped_in_gettext():
    bad = [_where(m, lit) for m in MODULES for lit in _bare_messages(m)]
    assert not bad, "error messages without gettext:\n" + "\n".join(bad)


def test_no_other_untranslated_chinese_text():
    bad = []
    for m in MODULES:
        allowed = DATA.get(m.rel, set())
        for lit in m.chinese_literals():
            chain = m.ancestors(lit)
            if any(m.gettext_kind(a) is not None for a in chain):
                continue
            if any(_is_not_ui(a) for a in chain):
                continue
            parts = {lit.value} if isinstance(lit, ast.Constant) else _constant_parts(lit)
            if parts & allowed:
                continue
            bad.append(_where(m, lit))
    assert not bad, (
        "Chinese text outside gettext (wrap it, or list it in DATA with the reason "
        "it is data):\n" + "\n".join(bad)
    )


def test_gettext_gets_a_plain_literal():
    """xgettext extracts only literal strings: no f-string, +, % or .format inside."""
    bad = []
    for m in MODULES:
        for node in ast.walk(m.tree):
            kind = m.gettext_kind(node)
            if kind is None:
                continue
            assert isinstance(node, ast.Call)
            skip = 1 if kind.startswith(("pgettext", "npgettext")) else 0
            texts = node.args[skip : skip + (2 if "ngettext" in kind else 1)]
            for arg in texts:
                if isinstance(arg, ast.JoinedStr | ast.BinOp) or (
                    isinstance(arg, ast.Call) and _name(arg.func) == "format"
                ):
                    bad.append(_where(m, node))
    assert not bad, "gettext of a computed string:\n" + "\n".join(bad)


def _in_function(m: _Module, node: ast.AST) -> bool:
    return any(
        isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for a in m.ancestors(node)
    )


def test_no_eager_gettext_at_import_time():
    bad = [
        _where(m, node)
        for m in MODULES
        for node in ast.walk(m.tree)
        if m.gettext_kind(node) in EAGER and not _in_function(m, node)
    ]
    assert not bad, "gettext at import time (use gettext_lazy):\n" + "\n".join(bad)


def test_gettext_alias_is_not_shadowed():
    """A function that calls ``_()`` must not also bind ``_`` (``for _ in …``): Python
    would make ``_`` local to the whole function and the call would fail."""
    bad = []
    for m in MODULES:
        if "_" not in m.gettext:
            continue
        for fn in ast.walk(m.tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = binds = False
            for node in ast.walk(fn):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    calls |= node.func.id == "_"
                if (
                    isinstance(node, ast.Name)
                    and node.id == "_"
                    and isinstance(node.ctx, ast.Store)
                ):
                    # comprehension targets have their own scope
                    binds |= not any(isinstance(a, ast.comprehension) for a in m.ancestors(node))
            if calls and binds:
                bad.append(f"{m.rel}:{fn.lineno} {fn.name}")
    assert not bad, bad


def test_gettext_is_imported_under_a_name_xgettext_extracts():
    """``from django.utils.translation import gettext as _t`` passes the guard and works
    at run time, but makemessages extracts nothing from ``_t("…")``: the strings never
    reach the catalogue and stay Chinese in English. Import it as itself or as ``_``
    (``_`` only for the one-argument functions)."""
    bad = []
    for m in MODULES:
        for local, func in m.gettext.items():
            if local == func:
                continue
            if local == "_" and func in {"gettext", "gettext_lazy", "gettext_noop"}:
                continue
            bad.append(f"{m.rel}: {func} as {local}")
    assert not bad, "gettext under a name makemessages does not extract:\n" + "\n".join(bad)


# --- the scan itself catches what it should -------------------------------------------


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ('raise ApplicationError("x", "请填写原因")', True),
        ('raise ApplicationError("x", f"请填写{what}")', True),
        ('_require(ok, "只有承办单位可以办结")', True),
        ('raise NotFound("诉求不存在")', True),
        ('raise ApplicationError("x", _("请填写原因"))', False),
        ('raise ApplicationError("x", _("请填写%(w)s") % {"w": w})', False),
        ('_require(ok, _("只有承办单位可以办结"))', False),
        ('raise Conflict(code, gettext_noop("已停用"))', False),
        ('messages.success(request, "已保存")', True),
        ('messages.success(request, _("已保存"))', False),
        ('logger.warning("无节假日数据 %s", code)', False),
    ],
)
def test_the_guard_catches_a_bare_message(tmp_path, source, caught):
    path = tmp_path / "probe.py"
    path.write_text(
        "from django.utils.translation import gettext as _, gettext_noop\n\n"
        f"def f(ok, what, w, code, request):\n    {source}\n",
        encoding="utf-8",
    )
    m = _Module(path, rel="probe.py")
    assert m.chinese_literals()
    assert bool(_bare_messages(m)) is caught
