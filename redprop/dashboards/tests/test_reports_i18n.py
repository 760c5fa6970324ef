"""Monthly reports in the language of the user who asked for them.

The worker that builds the file has no user: the export row records the
requester's language and the build runs under ``translation.override``. Names
(places, categories, units, the SLA policy) are data and stay as entered.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from redprop.dashboards import exports
from redprop.dashboards.choices import ExportStatus
from redprop.dashboards.models import ReportExport
from redprop.dashboards.periods import month_value, this_month
from redprop.dashboards.tests.helpers import build_history

pytestmark = pytest.mark.django_db

URL = reverse("dashboards:reports")
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _ask(world, callbacks_fixture, *, fmt="xlsx", language=None, role="community_staff", node=None):
    node = node or world.community
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    with callbacks_fixture(execute=True):
        resp = world.client(role).post(
            URL, {"node": node.pk, "month": month_value(this_month()), "format": fmt}, **headers
        )
    assert resp.status_code == 302, resp.content
    return ReportExport.objects.filter(node=node, format=fmt).latest("id")


def _read(export):
    with default_storage.open(export.file.name, "rb") as fh:
        return fh.read()


def _column(ws, col, rows):
    return [ws.cell(row=r, column=col).value for r in rows]


def test_english_xlsx(world, django_capture_on_commit_callbacks):
    build_history(world)
    export = _ask(world, django_capture_on_commit_callbacks, language="en")
    assert export.language == "en"
    assert export.status == ExportStatus.DONE, export.error
    wb = load_workbook(io.BytesIO(_read(export)))
    assert wb.sheetnames == ["Rates", "By category", "Overdue requests", "Red Property"]
    assert wb.properties.creator == "Red Property Platform"
    red = wb["Red Property"]
    labels = [
        c.value
        for row in red.iter_rows(min_row=3)
        for c in row
        if isinstance(c.value, str) and c.value not in (world.community.name, world.street.name)
    ]
    assert labels and not [v for v in labels if re.search(r"[\u4e00-\u9fff]", v)], labels

    rates = wb["Rates"]
    assert rates["A1"].value.startswith(f"{world.community.name} ")
    assert rates["A1"].value.endswith(f"{this_month():%Y-%m} Monthly request report")
    assert rates["A2"].value.startswith("Red Property Platform · generated ")
    assert "(Beijing time) · time-limit rule: " in rates["A2"].value
    assert _column(rates, 1, [4])[0] == "Measure"
    assert [rates.cell(row=4, column=c).value for c in range(1, 6)] == [
        "Measure",
        "Rate",
        "Numerator",
        "Denominator (sample size)",
        "Definition",
    ]
    assert _column(rates, 1, range(5, 9)) == [
        "Response rate",
        "Resolution rate",
        "Satisfaction rate",
        "5341 on-time rate",
    ]
    assert rates.cell(row=5, column=5).value == "Responded in time ÷ (dispatched − withdrawn)"
    assert rates.cell(row=5, column=2).number_format == "0.0%"
    assert _column(rates, 1, [10]) == ["Counts"]
    assert _column(rates, 1, range(11, 18)) == [
        "Requests received",
        "Dispatched",
        "Resolved",
        "Overdue",
        "Returned",
        "Reopened",
        "Escalated",
    ]
    assert rates.cell(row=11, column=2).value == 10  # the same figures as the Chinese file
    assert rates.cell(row=19, column=1).value == "By Grid"
    assert [rates.cell(row=20, column=c).value for c in range(1, 6)] == [
        "Grid",
        "Received",
        "Resolved",
        "Overdue",
        "Response rate",
    ]

    cats = wb["By category"]
    assert [c.value for c in cats[4]][:4] == ["Category", "Received", "Resolved", "Overdue"]
    assert cats.cell(row=5, column=1).value.startswith("维修 · ")  # category names are data

    breached = wb["Overdue requests"]
    assert [c.value for c in breached[4]] == [
        "Number",
        "Category",
        "Compound",
        "Submitted at",
        "Time limit",
        "Missed step",
        "Resolved at",
        "Handling organization · handler",
        "Status",
    ]
    assert breached.cell(row=5, column=6).value == "Resolution"
    # No Chinese left in any heading or label of the file (values that are data aside).
    for ws in wb.worksheets:
        for row in ws.iter_rows(max_row=4 if ws.title != "Rates" else 20):
            for cell in row:
                if cell.font.bold and isinstance(cell.value, str):
                    label = cell.value.replace(world.community.name, "")
                    assert not CJK.search(label), (ws.title, cell.coordinate, cell.value)
    assert (
        export.download_name
        == f"{world.community.name}-{this_month():%Y-%m}-monthly-request-report.xlsx"
    )


def test_chinese_xlsx_is_unchanged(world, django_capture_on_commit_callbacks):
    build_history(world)
    export = _ask(world, django_capture_on_commit_callbacks)
    assert export.language == "zh-hans"
    wb = load_workbook(io.BytesIO(_read(export)))
    assert wb.sheetnames == ["三率", "分类统计", "超时清单", "红色物业"]
    rates = wb["三率"]
    assert rates["A1"].value.endswith(
        f"{this_month().year}年{this_month().month}月 诉求办理月度报表"
    )
    assert _column(rates, 1, range(4, 9)) == ["指标", "响应率", "解决率", "满意率", "5341 达标率"]
    assert _column(rates, 1, range(11, 18)) == [
        "受理诉求",
        "派单",
        "办结",
        "超时",
        "退单",
        "重办",
        "上报",
    ]
    assert rates.cell(row=19, column=1).value == "按网格"
    assert (
        export.download_name
        == f"红星社区-{this_month().year}年{this_month().month}月-诉求办理月报.xlsx"
    )


def test_the_worker_uses_the_requesters_language_not_its_own(
    world, django_capture_on_commit_callbacks
):
    """The background build ignores whatever language is active in the worker."""
    client = world.client("community_staff")
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            URL,
            {"node": world.community.pk, "month": month_value(this_month()), "format": "xlsx"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        client.post(
            URL,
            {"node": world.community.pk, "month": month_value(this_month()), "format": "xlsx"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    # Two languages, two jobs (asking again in the same language would reuse the job).
    en, zh = ReportExport.objects.order_by("id")
    assert (en.language, zh.language) == ("en", "zh-hans")
    with translation.override("zh-hans"):
        assert exports.report_export_run(export_id=en.pk) == ExportStatus.DONE
    with translation.override("en"):
        assert exports.report_export_run(export_id=zh.pk) == ExportStatus.DONE
        assert translation.get_language() == "en"  # the worker's language is restored
    en.refresh_from_db()
    zh.refresh_from_db()
    assert load_workbook(io.BytesIO(_read(en))).sheetnames[0] == "Rates"
    assert load_workbook(io.BytesIO(_read(zh))).sheetnames[0] == "三率"


def test_a_failure_message_is_in_the_requesters_language(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    import redprop.dashboards.xlsx as xlsx

    def boom(report):
        raise RuntimeError("disk full")

    monkeypatch.setattr(xlsx, "render_xlsx", boom)
    export = _ask(world, django_capture_on_commit_callbacks, language="en")
    assert export.status == ExportStatus.FAILED
    assert export.error == "Could not build the report: RuntimeError: disk full"


def test_the_reports_page_errors_in_english(world):
    resp = world.client("community_staff").post(
        URL,
        {"node": world.community.pk, "month": "2999-01", "format": "xlsx"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert resp.status_code == 400
    assert "You cannot choose a month that has not started yet" in resp.content.decode()
    assert ReportExport.objects.count() == 0


def _pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(data)
    out = subprocess.run(  # noqa: S603 - a fixed tool on our own file
        ["pdftotext", "-layout", str(pdf), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [
        (
            "en",
            [
                "Monthly request report",
                "The three rates and the 5341 on-time rate",
                "Response rate",
                "Denominator (sample size)",
                "Definitions: response rate = responded in time",
                "By category",
                "Overdue requests (",
                "Satisfaction rate over the last 12 months",
                "Page 1",
                "(Beijing time)",
            ],
            ["诉求办理月度报表", "三率与", "分类统计", "北京时间"],
        ),
        (
            "zh-hans",
            ["诉求办理月度报表", "三率与 5341 达标率", "响应率", "分类统计", "北京时间"],
            ["Monthly request report", "Response rate", "Page 1"],
        ),
    ],
)
def test_pdf_in_each_language(
    world, django_capture_on_commit_callbacks, tmp_path, language, present, absent
):
    build_history(world)
    export = _ask(
        world,
        django_capture_on_commit_callbacks,
        fmt="pdf",
        language=language,
        role="street_officer",
        node=world.street,
    )
    assert export.status == ExportStatus.DONE, export.error
    data = _read(export)
    assert (b"/Lang (en)" in data) is (language == "en")
    text = _pdf_text(data, tmp_path)
    assert world.street.name in text  # place names are data, in both languages
    for phrase in present:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase
    english_footer, chinese_footer = r"Page 1\b", r"第\s*1\s*页"
    assert bool(re.search(english_footer, text)) is (language == "en")
    assert bool(re.search(chinese_footer, text)) is (language != "en")
