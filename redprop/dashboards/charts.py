"""The dashboard's charts as data: one object gives ECharts its series and the page the
same numbers as an HTML table, so every chart's figures are one click away."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    unit: str  # "%" or "件"
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
        title=f"{month}三率与 5341 达标率",
        kind="bar",
        unit="%",
        row_header="指标",
        categories=[f.label for f in figures],
        series=[Series(month, [pct_number(f.rate) for f in figures], [f.text for f in figures])],
        summary=f"{month}三率柱状图："
        + "；".join(f"{f.label} {f.text}（样本 {f.sample}）" for f in figures),
        extra=[
            (
                "分子 / 样本量",
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
        title="近 12 个月走势",
        kind="line",
        unit="%",
        row_header="月份",
        categories=labels,
        series=series,
        summary=f"{labels[0]}至{labels[-1]}响应率、解决率、满意率与 5341 达标率走势折线图；"
        f"{labels[-1]}满意率 {series[2].texts[-1]}",
        extra=[("受理件数", [str(line.filed) for line in lines])],
    )


def categories_chart(data: Dashboard) -> Chart:
    lines = data.categories
    top = lines[0] if lines else None
    summary = "按分类统计的受理与超时件数横向柱状图：" + (
        f"受理最多的是 {top.name}（{top.filed} 件），共 {len(lines)} 个分类"
        if top
        else "本月没有诉求"
    )
    return Chart(
        id="chart-categories",
        title="分类统计",
        kind="hbar",
        unit="件",
        row_header="分类",
        categories=[line.name for line in lines],
        series=[
            Series("受理", [line.filed for line in lines], [str(line.filed) for line in lines]),
            Series(
                "超时", [line.breached for line in lines], [str(line.breached) for line in lines]
            ),
        ],
        summary=summary,
        extra=[("满意率", [line.figure("satisfaction_rate").text for line in lines])],
    )


def dashboard_charts(data: Dashboard) -> list[Chart]:
    return [rates_chart(data), categories_chart(data), trend_chart(data)]
