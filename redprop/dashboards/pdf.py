"""The monthly report as a PDF (reportlab), with Noto Sans SC embedded.

Same figures as the xlsx (one ``MonthlyReport``), plus two charts drawn with
reportlab.graphics: the month's rates as bars and 12 months of satisfaction as a
line. The font choice is explained in docs/adr/0004-pdf-cjk-font.md.
"""

from __future__ import annotations

import io
import logging
from html import escape
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from redprop.core.pdf_fonts import (  # noqa: F401  (re-exported: tests, callers)
    BOLD_FILE,
    FALLBACK_FONT,
    FONT,
    FONT_BOLD,
    REGULAR_FILE,
    font_dir,
    register_fonts,
)
from redprop.dashboards.choices import BREACHED_HEADINGS, LEVEL_LABELS
from redprop.dashboards.periods import month_label, pct, pct_number
from redprop.dashboards.selectors import Line, MonthlyReport

logger = logging.getLogger(__name__)

RED = colors.HexColor("#b71c1c")
RED_DARK = colors.HexColor("#7f0f12")
GOLD = colors.HexColor("#f6c343")
INK = colors.HexColor("#1f2328")
MUTED = colors.HexColor("#5f6670")
LINE = colors.HexColor("#c4c9d0")
ZEBRA = colors.HexColor("#faf8f6")
SERIES = [colors.HexColor(c) for c in ("#b71c1c", "#0b5cad", "#1b7f3b", "#8a5a00")]
# The trend chart's month ticks (English: Jan … Dec).
MONTH_TICKS = [
    gettext_lazy("1月"),
    gettext_lazy("2月"),
    gettext_lazy("3月"),
    gettext_lazy("4月"),
    gettext_lazy("5月"),
    gettext_lazy("6月"),
    gettext_lazy("7月"),
    gettext_lazy("8月"),
    gettext_lazy("9月"),
    gettext_lazy("10月"),
    gettext_lazy("11月"),
    gettext_lazy("12月"),
]


def _is_chinese() -> bool:
    return (translation.get_language() or "").lower().startswith("zh")


class _Styles:
    def __init__(self, regular: str, bold: str) -> None:
        self.regular, self.bold = regular, bold
        # CJK wrapping breaks between any two characters; English text wraps at spaces
        # (names stay Chinese in both, and still wrap: reportlab breaks overlong words).
        wrap = "CJK" if _is_chinese() else None
        base = {"fontName": regular, "wordWrap": wrap, "textColor": INK, "alignment": TA_LEFT}
        self.title = ParagraphStyle("title", **base, fontSize=18, leading=24)
        self.title.fontName, self.title.textColor = bold, RED_DARK
        self.meta = ParagraphStyle("meta", **{**base, "textColor": MUTED}, fontSize=8.5, leading=12)
        self.h2 = ParagraphStyle("h2", **{**base, "textColor": RED}, fontSize=12, leading=18)
        self.h2.fontName, self.h2.spaceBefore, self.h2.spaceAfter = bold, 10, 4
        self.h2.keepWithNext = 1
        self.cell = ParagraphStyle("cell", **base, fontSize=8, leading=10.5)
        # Table headings: Paragraphs, so a long (English) heading wraps in its column.
        self.head = ParagraphStyle(
            "head", **{**base, "textColor": colors.white}, fontSize=8, leading=10
        )
        self.head.fontName = bold
        self.note = ParagraphStyle("note", **{**base, "textColor": MUTED}, fontSize=8, leading=11)


def _table(
    data: list[list[Any]], widths: list[float], st: _Styles, *, numeric_from: int = 1
) -> Table:
    head = [Paragraph(escape(c), st.head) if isinstance(c, str) else c for c in data[0]]
    table = Table([head, *data[1:]], colWidths=widths, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), st.regular),
        ("FONTNAME", (0, 0), (-1, 0), st.bold),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LEADING", (0, 0), (-1, -1), 10.5),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), RED),
        ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for i in range(2, len(data), 2):
        style.append(("BACKGROUND", (0, i), (-1, i), ZEBRA))
    table.setStyle(TableStyle(style))
    return table


def _rates_chart(report: MonthlyReport, st: _Styles) -> Drawing:
    """Bars of the month's four figures (a rate without a sample is left out)."""
    d = Drawing(170 * mm, 62 * mm)
    d.add(
        String(
            0,
            58 * mm,
            _("%(month)s 三率与 5341 达标率") % {"month": month_label(report.month)},
            fontName=st.bold,
            fontSize=9,
            fillColor=INK,
        )
    )
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 10 * mm, 150 * mm, 42 * mm
    values = [pct_number(f.rate) for f in report.figures]
    chart.data = [[v if v is not None else 0 for v in values]]
    chart.categoryAxis.categoryNames = [
        _("%(label)s（n=%(sample)s）") % {"label": f.label, "sample": f.sample}
        for f in report.figures
    ]
    chart.categoryAxis.labels.fontName = st.regular
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = st.regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.gridStrokeColor = LINE
    chart.valueAxis.visibleGrid = True
    chart.bars[0].fillColor = RED
    chart.bars[0].strokeColor = None
    chart.barWidth = 8
    chart.barLabels.fontName = st.bold
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 6
    texts = [pct(f.rate) for f in report.figures]
    chart.barLabelArray = [texts]
    chart.barLabelFormat = "values"
    d.add(chart)
    return d


def _trend_chart(report: MonthlyReport, st: _Styles) -> Drawing:
    """12 months of satisfaction (满意率); a month without ratings leaves a gap."""
    d = Drawing(170 * mm, 62 * mm)
    d.add(String(0, 58 * mm, _("近 12 个月满意率"), fontName=st.bold, fontSize=9, fillColor=INK))
    chart = HorizontalLineChart()
    # Lower than the bar chart: the value labels above 100% need room under the title.
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 12 * mm, 150 * mm, 36 * mm
    values = [pct_number(line.figure("satisfaction_rate").rate) for line in report.trend]
    chart.data = [values]
    chart.categoryAxis.categoryNames = [
        _("%(month)s\n%(year)d") % {"month": MONTH_TICKS[m.key.month - 1], "year": m.key.year}
        if i == 0 or m.key.month == 1
        else str(MONTH_TICKS[m.key.month - 1])
        for i, m in enumerate(report.trend)
    ]
    chart.categoryAxis.labels.fontName = st.regular
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = st.regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = LINE
    chart.lines[0].strokeColor = RED
    chart.lines[0].strokeWidth = 1.5
    chart.lines[0].symbol = makeMarker("FilledCircle", size=3.5, fillColor=RED)
    chart.lineLabelArray = [[pct(line.figure("satisfaction_rate").rate) for line in report.trend]]
    chart.lineLabelFormat = "values"
    chart.lineLabels.fontName = st.regular
    chart.lineLabels.fontSize = 6.5
    chart.lineLabels.dy = 6
    chart.joinedLines = 1
    d.add(chart)
    return d


def _line_rows(lines: list[Line], st: _Styles) -> list[list[Any]]:
    rows = []
    for line in lines:
        # The name is a Paragraph: a long grid, community or category name wraps.
        name = Paragraph(escape(line.name), st.cell)
        row: list[Any] = [name, line.filed, line.resolved, line.breached]
        for f in line.figures:
            row.append(_("%(value)s（%(sample)s）") % {"value": f.text, "sample": f.sample})
        rows.append(row)
    return rows


LINE_HEADER = [
    pgettext_lazy("report column", "受理"),
    pgettext_lazy("report column", "办结"),
    pgettext_lazy("report column", "超时"),
    gettext_lazy("响应率（样本）"),
    gettext_lazy("解决率（样本）"),
    gettext_lazy("满意率（样本）"),
    gettext_lazy("5341（样本）"),
]


def _when(report: MonthlyReport) -> str:
    at = timezone.localtime(report.generated_at)
    return _("%(year)d年%(month)02d月%(day)02d日 %(time)s") % {
        "year": at.year,
        "month": at.month,
        "day": at.day,
        "time": f"{at:%H:%M}",
    }


def _title(report: MonthlyReport) -> str:
    return _("%(place)s %(month)s 诉求办理月度报表") % {
        "place": report.node.name,
        "month": month_label(report.month),
    }


def _story(report: MonthlyReport, st: _Styles) -> list[Any]:
    p = Paragraph
    story: list[Any] = [
        p(_title(report), st.title),
        p(
            _("红色物业平台 · 生成于 %(when)s（北京时间）· 时限规则：%(policy)s")
            % {
                "when": _when(report),
                "policy": report.policy.name,
            },
            st.meta,
        ),
        Spacer(1, 4 * mm),
        p(_("三率与 5341 达标率"), st.h2),
    ]
    kpi: list[list[Any]] = [[_("指标"), _("比率"), _("分子"), _("分母（样本量）")]]
    for f in report.figures:
        kpi.append([f.label, f.text, "—" if f.numerator is None else f.numerator, f.sample])
    story.append(_table(kpi, [45 * mm, 35 * mm, 35 * mm, 45 * mm], st))
    counts = [
        (pgettext("report column", "受理"), "filed"),
        (pgettext("report column", "派单"), "dispatched"),
        (pgettext("report column", "办结"), "resolved"),
        (pgettext("report column", "超时"), "breached"),
        (pgettext("report column", "退单"), "returned"),
        (pgettext("report column", "重办"), "reopened"),
        (pgettext("report column", "上报"), "escalated"),
    ]
    story += [
        Spacer(1, 3 * mm),
        _table(
            [[c for c, _k in counts], [int(report.totals.get(k) or 0) for _c, k in counts]],
            [22 * mm] * len(counts),
            st,
            numeric_from=0,
        ),
        Spacer(1, 4 * mm),
        KeepTogether([_rates_chart(report, st)]),
        KeepTogether([_trend_chart(report, st)]),
        p(
            _(
                "口径：响应率 = 时限内响应 ÷（派单 − 撤回）；解决率 = 确认解决 ÷ 已评价或回访；"
                "满意率 =（非常满意 + 满意 + 基本满意 × 权重）÷ 已评分；"
                "5341 达标率 = 时限内办结 ÷ 办结。诉求按提交月份统计。"
            ),
            st.note,
        ),
    ]
    level = str(LEVEL_LABELS.get(report.sub_level, report.sub_level))
    # Wide enough for the longest one-word English heading ("Resolved", "Satisfaction").
    widths = [35 * mm, 17 * mm, 17 * mm, 17 * mm, *[23.5 * mm] * 4]
    header = [str(h) for h in LINE_HEADER]
    story.append(p(_("按%(level)s") % {"level": level}, st.h2))
    if report.sub_lines:
        story.append(_table([[level, *header], *_line_rows(report.sub_lines, st)], widths, st))
    else:
        story.append(p(_("本月没有诉求。"), st.note))
    story.append(p(_("分类统计"), st.h2))
    if report.categories:
        rows = _line_rows(report.categories, st)
        story.append(_table([[_("分类"), *header], *rows], widths, st))
    else:
        story.append(p(_("本月没有诉求。"), st.note))
    story.append(
        p(
            ngettext("超时清单（%(count)d 件）", "超时清单（%(count)d 件）", len(report.breached))
            % {"count": len(report.breached)},
            st.h2,
        )
    )
    if report.breached:
        rows = [[str(heading) for heading in BREACHED_HEADINGS]]
        for b in report.breached:
            r = b.request

            def when(moment: Any) -> str:
                return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else "—"

            rows.append(
                [
                    r.number,
                    p(r.category.name, st.cell),
                    p(r.compound.name if r.compound is not None else "—", st.cell),
                    when(r.created_at),
                    when(b.deadline),
                    b.clock_labels,
                    when(r.resolved_at),
                    p(b.handler, st.cell),
                ]
            )
        story.append(
            _table(
                rows,
                [21 * mm, 20 * mm, 20 * mm, 20 * mm, 18 * mm, 16 * mm, 18 * mm, 46 * mm],
                st,
                numeric_from=99,
            )
        )
    else:
        story.append(p(_("本月没有超时诉求。"), st.note))
    return story


def render_pdf(report: MonthlyReport) -> bytes:
    regular, bold = register_fonts()
    st = _Styles(regular, bold)
    out = io.BytesIO()
    title = _title(report)
    motto = _("红色物业 · 党建引领 共建共治共享")
    author = _("红色物业平台")

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        width, height = A4
        canvas.setFillColor(RED)
        canvas.rect(0, height - 8 * mm, width, 8 * mm, stroke=0, fill=1)
        canvas.setFillColor(GOLD)
        canvas.rect(0, height - 9 * mm, width, 1 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont(bold, 9)
        canvas.drawString(15 * mm, height - 5.5 * mm, motto)
        canvas.setFillColor(MUTED)
        canvas.setFont(regular, 8)
        canvas.drawString(15 * mm, 10 * mm, title)
        canvas.drawRightString(width - 15 * mm, 10 * mm, _("第 %(page)d 页") % {"page": doc.page})
        canvas.restoreState()

    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        subject=_("诉求办理月度报表"),
        lang="zh-CN" if _is_chinese() else "en",
    )
    doc.build(_story(report, st), onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()
