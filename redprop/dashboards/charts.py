"""The dashboard's charts as data: one object gives ECharts its series and the page the
same numbers as an HTML table, so every chart's figures are one click away."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from redprop.dashboards.periods import month_label, pct, pct_number
from redprop.dashboards.selectors import Dashboard


@dataclass
class Series:
    name: str
    values: list[float | int | None]
    texts: list[str]


@dataclass
class Chart:
    id: str
    title: str
    kind: str  # bar | line | hbar
    unit: str  # "%" or "件" (a count, translated)
    row_header: str
    categories: list[str]
    series: list[Series]
    summary: str  # the canvas's aria-label
    extra: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    @property
    def table_id(self) -> str:
        return f"{self.id}-table"

    def payload(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "unit": self.unit,
            "categories": self.categories,
            "series": [{"name": s.name, "data": s.values} for s in self.series],
        }

    @property
    def headers(self) -> list[str]:
        return [self.row_header, *(s.name for s in self.series), *(h for h, _v in self.extra)]

    @property
    def rows(self) -> list[list[str]]:
        return [
            [
                category,
                *(s.texts[i] for s in self.series),
                *(values[i] for _h, values in self.extra),
            ]
            for i, category in enumerate(self.categories)
        ]


def rates_chart(data: Dashboard) -> Chart:
    month = month_label(data.month)
    figures = data.figures
    return Chart(
        id="chart-rates",
        title=_("%(month)s三率与 5341 达标率") % {"month": month},
        kind="bar",
        unit="%",
        row_header=_("指标"),
        categories=[f.label for f in figures],
        series=[Series(month, [pct_number(f.rate) for f in figures], [f.text for f in figures])],
        summary=_("%(month)s三率柱状图：") % {"month": month}
        + _("；").join(
            _("%(label)s %(value)s（样本 %(sample)s）")
            % {"label": f.label, "value": f.text, "sample": f.sample}
            for f in figures
        ),
        extra=[
            (
                _("分子 / 样本量"),
                [f"{'—' if f.numerator is None else f.numerator} / {f.sample}" for f in figures],
            )
        ],
    )


def trend_chart(data: Dashboard) -> Chart:
    lines = data.trend
    labels = [line.name for line in lines]
    keys = [f.key for f in data.figures]
    names = [f.label for f in data.figures]
    series = [
        Series(
            name,
            [pct_number(line.figure(key).rate) for line in lines],
            [pct(line.figure(key).rate) for line in lines],
        )
        for key, name in zip(keys, names, strict=True)
    ]
    return Chart(
        id="chart-trend",
        title=_("近 12 个月走势"),
        kind="line",
        unit="%",
        row_header=_("月份"),
        categories=labels,
        series=series,
        summary=_(
            "%(first)s至%(last)s响应率、解决率、满意率与 5341 达标率走势折线图；"
            "%(last)s满意率 %(satisfaction)s"
        )
        % {"first": labels[0], "last": labels[-1], "satisfaction": series[2].texts[-1]},
        extra=[(_("受理件数"), [str(line.filed) for line in lines])],
    )


def categories_chart(data: Dashboard) -> Chart:
    lines = data.categories
    top = lines[0] if lines else None
    summary = _("按分类统计的受理与超时件数横向柱状图：") + (
        _("受理最多的是 %(name)s（%(filed)s 件），共 %(count)s 个分类")
        % {"name": top.name, "filed": top.filed, "count": len(lines)}
        if top
        else _("本月没有诉求")
    )
    return Chart(
        id="chart-categories",
        title=_("分类统计"),
        kind="hbar",
        # Translators: the unit of a count of requests on a chart axis.
        unit=_("件"),
        row_header=_("分类"),
        categories=[line.name for line in lines],
        series=[
            Series(_("受理"), [line.filed for line in lines], [str(line.filed) for line in lines]),
            Series(
                _("超时"), [line.breached for line in lines], [str(line.breached) for line in lines]
            ),
        ],
        summary=summary,
        extra=[(_("满意率"), [line.figure("satisfaction_rate").text for line in lines])],
    )


def dashboard_charts(data: Dashboard) -> list[Chart]:
    return [rates_chart(data), categories_chart(data), trend_chart(data)]
