# Sourced by bin/* scripts: make sure .venv exists and matches uv.lock.
# Needs only Python 3.11 and pip; uv itself is installed from the package index.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
UV_VERSION=0.13.8
PY="$(command -v python3.11 || command -v python3)"
if [ ! -x .venv/bin/uv ]; then
  echo ">> creating .venv with $PY"
  "$PY" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
export UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
export UV_PYTHON="$ROOT/.venv/bin/python"
# --inexact keeps uv itself inside the venv; --frozen refuses to touch the lock.
.venv/bin/uv sync --quiet --frozen --inexact ${REDPROP_SYNC_ARGS:-}
export PATH="$ROOT/.venv/bin:$PATH"
source "$ROOT/bin/_assets.sh"
