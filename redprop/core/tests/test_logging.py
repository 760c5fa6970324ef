"""JSON log lines (production settings) and the access log."""

import json
import logging

from django.test import RequestFactory

from redprop.core.logging import AccessLogMiddleware, JsonFormatter


def _record(**extra):
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x",), None
    )
    for k, v in extra.items():
        setattr(record, k, v)
    return record


def test_json_line_has_time_level_logger_message_path_status():
    request = RequestFactory().get("/api/v1/requests/9")
    line = JsonFormatter().format(_record(request=request, status_code=404, duration_ms=1.5))
    out = json.loads(line)
    assert out["level"] == "WARNING"
    assert out["logger"] == "django.request"
    assert out["message"] == "Not Found: /x"
    assert out["path"] == "/api/v1/requests/9"
    assert out["method"] == "GET"
    assert out["status"] == 404
    assert out["duration_ms"] == 1.5
    assert out["time"].endswith(("+08:00", "Z", "+00:00"))
    assert "\n" not in line


def test_exception_is_kept_and_odd_values_do_not_break_the_line():
    try:
        raise ValueError("boom 出错")
    except ValueError:
        import sys

        record = _record(whatever=object())
        record.exc_info = sys.exc_info()
    out = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom 出错" in out["exc"]
    assert out["whatever"].startswith("<object")


def test_access_log_middleware_logs_one_line(caplog):
    from django.http import HttpResponse

    mw = AccessLogMiddleware(lambda request: HttpResponse(status=201))
    with caplog.at_level(logging.INFO, logger="redprop.access"):
        mw(RequestFactory().post("/api/v1/requests?q=secret"))
    (record,) = caplog.records
    out = json.loads(JsonFormatter().format(record))
    assert out["path"] == "/api/v1/requests"
    assert out["status"] == 201
    assert "secret" not in json.dumps(out)
