"""Monthly reports: the export job, its progress, the files (xlsx, PDF) and who may
download them. The figures are those of selectors.rates, as on the dashboard."""

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook

from redprop.core.scope import Scope
from redprop.dashboards import exports, selectors
from redprop.dashboards.choices import ExportStatus
from redprop.dashboards.models import ReportExport
from redprop.dashboards.periods import month_value, this_month
from redprop.dashboards.tests.helpers import build_history
from redprop.requests import selectors as request_selectors
from redprop.requests.models import Category, ServiceRequest

pytestmark = pytest.mark.django_db

URL = reverse("dashboards:reports")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _export(
    world, django_capture_on_commit_callbacks, *, role="community_staff", node=None, fmt="xlsx"
):
    node = node or world.community
    with django_capture_on_commit_callbacks(execute=True):
        resp = world.client(role).post(
            URL, {"node": node.pk, "month": month_value(this_month()), "format": fmt}
        )
    assert resp.status_code == 302, resp.content
    return ReportExport.objects.get(node=node, format=fmt)


def _rates(node, group_by=None):
    month = this_month()
    return request_selectors.rates(
        scope=Scope(node.level, node.pk), month_from=month, month_to=month, group_by=group_by
    )


def _read(export):
    with default_storage.open(export.file.name, "rb") as fh:
        return fh.read()


def test_xlsx_holds_the_figures_of_selectors_rates(world, django_capture_on_commit_callbacks):
    build_history(world)
    export = _export(world, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.DONE and export.progress == 100
    assert export.file.name.startswith("reports/")
    wb = load_workbook(io.BytesIO(_read(export)))
    assert wb.sheetnames == ["三率", "分类统计", "超时清单", "红色物业"]
    expected = _rates(world.community)[0]

    rates = wb["三率"]
    assert rates["A1"].value.startswith("红星社区 ")
    assert [rates.cell(row=4, column=c).value for c in (1, 2, 3, 4)] == [
        "指标",
        "比率",
        "分子",
        "分母（样本量）",
    ]
    rows = {rates.cell(row=r, column=1).value: r for r in range(5, 9)}
    for label, key, sample in [
        ("响应率", "response_rate", "response_base"),
        ("解决率", "resolution_rate", "rated_or_revisited"),
        ("满意率", "satisfaction_rate", "rated"),
        ("5341 达标率", "compliance_rate", "resolved"),
    ]:
        r = rows[label]
        assert rates.cell(row=r, column=2).value == pytest.approx(float(expected[key]))
        assert rates.cell(row=r, column=2).number_format == "0.0%"
        assert rates.cell(row=r, column=4).value == expected[sample]
    counts = {
        rates.cell(row=r, column=1).value: rates.cell(row=r, column=2).value for r in range(11, 18)
    }
    assert counts["受理诉求"] == expected["filed"] == 10
    assert counts["超时"] == expected["breached"]
    # By grid: one row per grid with its sample sizes.
    grid_rows = {r["key"]: r for r in _rates(world.community, "grid")}
    header = next(
        r for r in range(1, rates.max_row + 1) if rates.cell(row=r, column=1).value == "网格"
    )
    names = {world.grid.name: world.grid.pk, world.grid_2.name: world.grid_2.pk}
    seen = 0
    for r in range(header + 1, rates.max_row + 1):
        name = rates.cell(row=r, column=1).value
        row = grid_rows[names[name]]
        assert rates.cell(row=r, column=2).value == row["filed"]
        assert rates.cell(row=r, column=9).value == pytest.approx(float(row["satisfaction_rate"]))
        assert rates.cell(row=r, column=10).value == row["rated"]
        seen += 1
    assert seen == 2

    cats = wb["分类统计"]
    by_cat = {r["key"]: r for r in _rates(world.community, "category")}
    names = dict(Category.objects.filter(pk__in=by_cat).values_list("pk", "name"))
    found = {}
    for r in range(5, cats.max_row + 1):
        found[cats.cell(row=r, column=1).value] = cats.cell(row=r, column=2).value
    assert found == {f"维修 · {names[k]}": v["filed"] for k, v in by_cat.items()}

    breached = wb["超时清单"]
    assert [c.value for c in breached[4]][:5] == ["编号", "分类", "小区", "提交时间", "时限"]
    numbers = [breached.cell(row=r, column=1).value for r in range(5, breached.max_row + 1)]
    expected_numbers = [
        r.number
        for r in ServiceRequest.objects.filter(community=world.community, breached=True).order_by(
            "created_at", "id"
        )
    ]
    assert numbers == expected_numbers and len(numbers) == expected["breached"] >= 1
    assert breached.cell(row=5, column=6).value == "办结"
    assert breached.cell(row=5, column=8).value.startswith(world.company.name)


def test_report_figures_match_the_dashboard(world):
    build_history(world)
    for role, node in [("community_staff", world.community), ("street_officer", world.street)]:
        dash = world.client(role).get(reverse("dashboards:dashboard"), {"node": node.pk})
        report = selectors.monthly_report(node=node, month=this_month())
        data = dash.context["data"]
        assert report.totals == data.totals
        assert [f.rate for f in report.figures] == [f.rate for f in data.figures]
        assert {x.key: x.row for x in report.categories} == {x.key: x.row for x in data.categories}
        sub = next(t for t in data.tables if t.level == report.sub_level)
        assert {x.key: x.row for x in report.sub_lines} == {x.key: x.row for x in sub.lines}
        assert len(report.breached) == report.totals["breached"]


def test_pdf_is_generated_with_the_font_embedded(world, django_capture_on_commit_callbacks):
    from redprop.dashboards.pdf import FONT, font_dir

    build_history(world)
    export = _export(
        world,
        django_capture_on_commit_callbacks,
        role="street_officer",
        node=world.street,
        fmt="pdf",
    )
    assert export.status == ExportStatus.DONE, export.error
    data = _read(export)
    assert data.startswith(b"%PDF")
    if not (font_dir() / "NotoSansSC_400Regular.ttf").exists():
        pytest.skip("set-up has not copied the Noto Sans SC font (bin/_assets.sh)")
    assert FONT.encode() in data
    assert b"/FontFile2" in data  # the TrueType program is in the file, not referenced
    assert (
        export.download_name
        == f"径河街道-{this_month().year}年{this_month().month}月-诉求办理月报.pdf"
    )


def test_progress_moves_and_the_page_polls_until_done(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    build_history(world)
    seen = []
    original = exports._progress

    def spy(export_id, percent):
        original(export_id, percent)
        seen.append(ReportExport.objects.get(pk=export_id).progress)

    monkeypatch.setattr(exports, "_progress", spy)
    client = world.client("community_staff")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(
            URL, {"node": world.community.pk, "month": month_value(this_month()), "format": "xlsx"}
        )
    export = ReportExport.objects.get()
    assert export.status == ExportStatus.PENDING and export.progress == 0
    row = client.get(reverse("dashboards:export_status", args=[export.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in row and "<progress" in row and "排队中" in row
    # Asking again while it waits gives the same job.
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            URL, {"node": world.community.pk, "month": month_value(this_month()), "format": "xlsx"}
        )
    assert ReportExport.objects.count() == 1
    for callback in callbacks:  # the worker picks it up
        callback()
    assert seen == sorted(seen) and len(seen) >= 3 and seen[0] > 0 and seen[-1] < 100
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.progress == 100
    assert export.started_at and export.finished_at
    assert export.started_at <= export.finished_at
    row = client.get(reverse("dashboards:export_status", args=[export.pk])).content.decode()
    assert "hx-trigger" not in row
    assert reverse("dashboards:export_download", args=[export.pk]) in row
    page = client.get(URL).content.decode()
    assert f'id="export-{export.pk}"' in page
    # A second run of the same job does nothing.
    assert exports.report_export_run(export_id=export.pk) == ExportStatus.DONE


def test_a_failing_build_is_marked_failed(world, django_capture_on_commit_callbacks, monkeypatch):
    import redprop.dashboards.xlsx as xlsx

    def boom(report):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(xlsx, "render_xlsx", boom)
    export = _export(world, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.FAILED and "磁盘已满" in export.error
    assert not export.file
    row = world.client("community_staff").get(reverse("dashboards:export_status", args=[export.pk]))
    assert "失败" in row.content.decode() and "hx-trigger" not in row.content.decode()
    download = reverse("dashboards:export_download", args=[export.pk])
    assert world.client("community_staff").get(download).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("community_staff", 200),  # the requester
        ("street_officer", 200),  # a desk role whose scope covers the community
        ("housing_bureau", 200),
        ("sysadmin", 200),
        ("street_b", 404),  # another street
        ("company_staff", 403),
        ("unit_staff", 403),
        ("resident", 403),
        ("grid_butler", 403),
        ("maintenance_worker", 403),
        ("nobody", 403),
    ],
)
def test_download_is_permission_checked(world, django_capture_on_commit_callbacks, role, status):
    export = _export(world, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.DONE
    client = world.client(role)
    resp = client.get(reverse("dashboards:export_download", args=[export.pk]))
    assert resp.status_code == status
    assert client.get(reverse("dashboards:export_status", args=[export.pk])).status_code == status
    if status == 200:
        assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
        assert resp["Content-Disposition"].startswith("attachment")
        assert "filename*=utf-8''" in resp["Content-Disposition"]
        assert resp["Cache-Control"] == "private, no-store"
        body = b"".join(resp.streaming_content)
        assert body == _read(export)


def test_the_file_is_not_under_a_guessable_name(world, django_capture_on_commit_callbacks):
    a = _export(world, django_capture_on_commit_callbacks)
    parts = a.file.name.split("/")
    assert parts[0] == "reports" and len(parts[3]) == 24  # reports/yyyy/mm/<random>/<file>


def test_unknown_export_is_404(world):
    resp = world.client("community_staff").get(reverse("dashboards:export_download", args=[424242]))
    assert resp.status_code == 404


def test_report_rates_hold_decimals_not_rounded_text(world):
    """The xlsx keeps the exact ratio (Excel formats it as 0.0%)."""
    build_history(world)
    report = selectors.monthly_report(node=world.community, month=this_month())
    sat = next(f for f in report.figures if f.key == "satisfaction_rate")
    assert sat.rate == Decimal("0.8571") and sat.text == "85.7%"
