"""The monthly report as an Excel workbook (openpyxl): 三率, 分类统计, 超时清单.

Rates are written as numbers formatted ``0.0%`` (Excel shows 95.2%), so a reader
can compute with them; the sample size stands next to every rate.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from redprop.dashboards.choices import BREACHED_HEADINGS, LEVEL_LABELS
from redprop.dashboards.periods import month_label
from redprop.dashboards.selectors import Line, MonthlyReport

RED = "B71C1C"
HEADER_FILL = PatternFill("solid", fgColor=RED)
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color=RED)
THIN = Side(style="thin", color="C4C9D0")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
PCT = "0.0%"
WHEN = "yyyy-mm-dd hh:mm"

# Every label is translated when the file is built (in the requester's language).
SHEET_RATES = gettext_lazy("三率")
SHEET_CATEGORIES = gettext_lazy("分类统计")
SHEET_BREACHED = gettext_lazy("超时清单")
SHEET_RED = gettext_lazy("红色物业")

COUNT_ROWS = (
    ("filed", gettext_lazy("受理诉求")),
    ("dispatched", pgettext_lazy("report column", "派单")),
    ("resolved", pgettext_lazy("report column", "办结")),
    ("breached", pgettext_lazy("report column", "超时")),
    ("returned", pgettext_lazy("report column", "退单")),
    ("reopened", pgettext_lazy("report column", "重办")),
    ("escalated", pgettext_lazy("report column", "上报")),
)
_RECEIVED = pgettext_lazy("report column", "受理")
_RESOLVED = pgettext_lazy("report column", "办结")
_OVERDUE = pgettext_lazy("report column", "超时")


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: write Asia/Shanghai wall-clock time."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def _rate(value: Any) -> float | None:
    return None if value is None else float(value)


def _header(ws: Worksheet, row: int, labels: list[Any]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=str(label))
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _body(
    ws: Worksheet, row: int, values: list[Any], formats: dict[int, str] | None = None
) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.border = BORDER
        fmt = (formats or {}).get(col)
        if fmt:
            cell.number_format = fmt
        if value is None:
            cell.value = "—"
            cell.alignment = Alignment(horizontal="center")


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _title(ws: Worksheet, report: MonthlyReport, what: str) -> int:
    ws.cell(row=1, column=1, value=f"{report.node.name} {month_label(report.month)} {what}")
    ws.cell(row=1, column=1).font = TITLE_FONT
    generated = _local(report.generated_at)
    ws.cell(
        row=2,
        column=1,
        value=_("红色物业平台 · 生成于 %(when)s（北京时间）· 时限规则：%(policy)s")
        % {"when": f"{generated:%Y-%m-%d %H:%M}", "policy": report.policy.name},
    ).font = Font(color="5F6670")
    return 4


def _line_values(line: Line) -> list[Any]:
    values: list[Any] = [line.name, line.filed, line.resolved, line.breached]
    for f in line.figures:
        values += [_rate(f.rate), f.sample]
    return values


RATE_HEADERS = [
    gettext_lazy("响应率"),
    gettext_lazy("样本"),
    gettext_lazy("解决率"),
    gettext_lazy("样本"),
    gettext_lazy("满意率"),
    gettext_lazy("样本"),
    gettext_lazy("5341 达标率"),
    gettext_lazy("样本"),
]
LINE_FORMATS = {5: PCT, 7: PCT, 9: PCT, 11: PCT}


def _rates_sheet(ws: Worksheet, report: MonthlyReport) -> None:
    row = _title(ws, report, _("诉求办理月度报表"))
    _header(ws, row, [_("指标"), _("比率"), _("分子"), _("分母（样本量）"), _("口径")])
    notes = {
        "response_rate": _("时限内响应 ÷（派单 − 撤回）"),
        "resolution_rate": _("确认解决 ÷ 已评价或回访"),
        "satisfaction_rate": _("（非常满意 + 满意 + 基本满意 × 权重）÷ 已评分"),
        "compliance_rate": _("时限内办结 ÷ 办结（“5341”）"),
    }
    for f in report.figures:
        row += 1
        _body(ws, row, [f.label, _rate(f.rate), f.numerator, f.sample, notes[f.key]], {2: PCT})
    row += 2
    _header(ws, row, [_("件数"), _("数量")])
    for key, label in COUNT_ROWS:
        row += 1
        _body(ws, row, [str(label), int(report.totals.get(key) or 0)])
    row += 2
    level = str(LEVEL_LABELS.get(report.sub_level, report.sub_level))
    ws.cell(row=row, column=1, value=_("按%(level)s") % {"level": level}).font = Font(
        bold=True, color=RED
    )
    row += 1
    _header(ws, row, [level, _RECEIVED, _RESOLVED, _OVERDUE, *RATE_HEADERS])
    for line in report.sub_lines:
        row += 1
        _body(ws, row, _line_values(line), LINE_FORMATS)
    _widths(ws, [22, 12, 10, 14, 40, 10, 12, 10, 12, 10, 12, 10])
    ws.freeze_panes = "A4"


def _categories_sheet(ws: Worksheet, report: MonthlyReport) -> None:
    row = _title(ws, report, _("分类统计"))
    _header(ws, row, [_("分类"), _RECEIVED, _RESOLVED, _OVERDUE, *RATE_HEADERS])
    for line in report.categories:
        row += 1
        _body(ws, row, _line_values(line), LINE_FORMATS)
    if not report.categories:
        _body(ws, row + 1, [_("本月没有诉求")])
    _widths(ws, [26, 8, 8, 8, 10, 8, 10, 8, 10, 8, 12, 8])
    ws.freeze_panes = ws.cell(row=5, column=2)


def _breached_sheet(ws: Worksheet, report: MonthlyReport) -> None:
    row = _title(ws, report, _("超时清单"))
    _header(
        ws,
        row,
        [*(str(heading) for heading in BREACHED_HEADINGS), _("状态")],
    )
    for b in report.breached:
        r = b.request
        row += 1
        _body(
            ws,
            row,
            [
                r.number,
                r.category.name,
                r.compound.name if r.compound is not None else "—",
                _local(r.created_at),
                _local(b.deadline),
                b.clock_labels,
                _local(r.resolved_at),
                b.handler,
                str(r.get_status_display()),
            ],
            {4: WHEN, 5: WHEN, 7: WHEN},
        )
    if not report.breached:
        _body(ws, row + 1, [_("本月没有超时诉求")])
    _widths(ws, [14, 16, 16, 18, 18, 12, 18, 28, 10])
    ws.freeze_panes = "B5"


def _v(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, dict) else getattr(row, key)


def _pct(value: Any) -> float | None:
    """The red figures' rates are percentages (66.7); the sheet writes fractions."""
    return None if value is None else float(value) / 100


def _red_tables(level: Any) -> list[tuple[str, list[Any], list[list[Any]], dict[int, str]]]:
    """(heading, column labels, rows, number formats) of one level's four tables."""
    party = [
        [
            _v(r, "name"),
            _v(r, "projects"),
            _v(r, "covered"),
            _pct(_v(r, "rate")),
            _v(r, "branches"),
            _v(r, "members"),
            _v(r, "companies"),
            _v(r, "companies_covered"),
            _v(r, "waiting"),
            _v(r, "overdue"),
        ]
        for r in level.party
    ]
    ratings = [
        [
            _v(r, "name"),
            _v(r, "year"),
            _v(r, "five"),
            _v(r, "four"),
            _v(r, "three"),
            _v(r, "none"),
            None if _v(r, "average") is None else float(_v(r, "average")),
        ]
        for r in level.ratings
    ]
    volunteers = [
        [
            _v(r, "name"),
            _v(r, "volunteers"),
            _v(r, "activities"),
            _v(r, "person_times"),
            float(_v(r, "approved_hours") or 0),
        ]
        for r in level.volunteers
    ]
    sides = [("need", _("需求")), ("resource", _("资源")), ("total", _("合计"))]
    lists = [
        [
            _v(r, "name"),
            label,
            _v(r, side)["posted"],
            _v(r, side)["claimed"],
            _v(r, side)["done"],
            _v(r, side)["overdue"],
            _pct(_v(r, side)["rate"]),
        ]
        for r in level.service_lists
        for side, label in sides
    ]
    area = _("地区")
    return [
        (
            _("物业党建"),
            [
                area,
                _("项目"),
                _("有党员的项目"),
                _("覆盖率"),
                _("已建支部"),
                _("党员人数"),
                _("物业企业"),
                _("有党员的企业"),
                _("待出具意见"),
                _("逾期"),
            ],
            party,
            {4: PCT},
        ),
        (
            _("星级物业企业"),
            [area, _("年度"), _("五星"), _("四星"), _("三星"), _("未达星级"), _("平均分")],
            ratings,
            {},
        ),
        (
            _("志愿服务"),
            [area, _("志愿者"), _("开展活动"), _("服务人次"), _("认定时长（小时）")],
            volunteers,
            {},
        ),
        (
            _("服务清单"),
            [area, _("清单"), _("发布"), _("已认领"), _("已完成"), _("逾期"), _("认领率")],
            lists,
            {7: PCT},
        ),
    ]


def _red_sheet(ws: Worksheet, report: MonthlyReport) -> None:
    """红色物业: party coverage, stars, the month's volunteers and service lists, by
    street and community (the dashboard's section, ``selectors.red_property``)."""
    row = _title(ws, report, _("红色物业"))
    for level in report.red:
        where = _("按街道") if level.level == "street" else _("按社区")
        for heading, labels, rows, formats in _red_tables(level):
            ws.cell(row=row, column=1, value=f"{heading} · {where}").font = Font(bold=True)
            row += 1
            _header(ws, row, labels)
            for values in rows:
                row += 1
                _body(ws, row, values, formats)
            if not rows:
                row += 1
                _body(ws, row, [_("暂无数据")])
            row += 2
    if not report.red:
        _body(ws, row, [_("暂无数据")])
    _widths(ws, [22, 10, 12, 10, 10, 10, 10, 12, 12, 8])


def render_xlsx(report: MonthlyReport) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # noqa: S101 - a new workbook always has its first sheet
    ws.title = str(SHEET_RATES)
    _rates_sheet(ws, report)
    _categories_sheet(wb.create_sheet(str(SHEET_CATEGORIES)), report)
    _breached_sheet(wb.create_sheet(str(SHEET_BREACHED)), report)
    _red_sheet(wb.create_sheet(str(SHEET_RED)), report)
    wb.properties.title = _("%(place)s %(month)s 诉求办理月度报表") % {
        "place": report.node.name,
        "month": month_label(report.month),
    }
    wb.properties.creator = _("红色物业平台")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
