"""bin/_supervise.sh (bin/serve's supervisor): a process that exits is restarted while
the others keep running; one that keeps exiting spends the restart budget and stops
the stack. Real bash, real processes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.conf import settings

SUPERVISE = Path(settings.BASE_DIR) / "bin" / "_supervise.sh"


def _run(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        ["bash", "-c", f'source "{SUPERVISE}"\n{script}'],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def test_a_process_that_exits_is_restarted_and_the_others_keep_running(tmp_path):
    """'flaky' exits twice, then stays up; 'steady' is started once and never stopped."""
    script = """
trap 'supervise_stop; exit 143' TERM
supervise steady sh -c 'echo started >> steady.log; exec sleep 30'
supervise flaky sh -c 'echo run >> flaky.log; [ $(wc -l < flaky.log) -ge 3 ] && exec sleep 30; exit 7'
( sleep 9; kill -TERM $$ ) &
supervise_loop
"""
    out = _run(script, tmp_path, RESTART_LIMIT="5", RESTART_WINDOW="60")
    assert out.returncode == 143, out.stderr
    assert (tmp_path / "flaky.log").read_text().count("run") == 3
    assert (tmp_path / "steady.log").read_text().count("started") == 1
    assert "flaky (pid" in out.stderr and "exited with status 7; restart 1/5" in out.stderr
    assert "restart 2/5" in out.stderr


def test_a_process_that_keeps_exiting_spends_the_budget_and_stops_the_stack(tmp_path):
    script = """
supervise steady sleep 30
supervise broken sh -c 'exit 3'
supervise_loop
status=$?
supervise_stop
exit $status
"""
    out = _run(script, tmp_path, RESTART_LIMIT="2", RESTART_WINDOW="60")
    assert out.returncode == 1, out.stderr
    assert "restart 1/2" in out.stderr and "restart 2/2" in out.stderr
    assert "giving up" in out.stderr
    assert ">> stopping" in out.stderr
