#!/usr/bin/env bash
# Vendor front-end assets and PDF fonts from the npm registry at pinned
# versions, so the app never needs a CDN at run time.
#
# Usage: scripts/vendor-assets.sh            (re-fetch and rewrite everything)
#        scripts/vendor-assets.sh --check    (verify files against VERSIONS.txt)
#
# Output (committed to git):
#   static/vendor/bootstrap/bootstrap.min.css, bootstrap.bundle.min.js, LICENSE
#   static/vendor/chartjs/chart.umd.min.js, LICENSE
#       (chart.js 4 ships dist/chart.umd.min.js next to dist/chart.umd.js; both
#        are minified. We take chart.umd.min.js, falling back to chart.umd.js,
#        and always save it as chart.umd.min.js.)
#   static/vendor/redoc/redoc.standalone.js, LICENSE,
#       redoc.standalone.js.LICENSE.txt (third-party notices of the bundle)
#   static/fonts/DejaVuSans.ttf, DejaVuSans-Bold.ttf, LICENSE-DejaVu.txt
#   tests/vendor/axe-core/axe.min.js, LICENSE, LICENSE-3RD-PARTY.txt (test-only:
#       injected into pages by tests/test_browser_sweep.py, never served by the app)
#   static/vendor/VERSIONS.txt (package@version, tarball integrity, sha256)
#
# Source maps are not vendored, and trailing "sourceMappingURL" comment lines
# are stripped from the copied js/css so browsers do not request missing maps.
set -euo pipefail

BOOTSTRAP_VERSION="5.3.9"
CHARTJS_VERSION="4.6.1"
REDOC_VERSION="2.5.4"
DEJAVU_VERSION="2.37.3"   # npm package dejavu-fonts-ttf (DejaVu fonts 2.37)
AXE_VERSION="4.14.1"      # axe-core: accessibility checks injected by the browser tests only

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"
FONTS="$ROOT/static/fonts"
VERSIONS="$VENDOR/VERSIONS.txt"

if [[ "${1:-}" == "--check" ]]; then
    cd "$ROOT"
    grep -E '^[0-9a-f]{64}  ' "$VERSIONS" | sha256sum --check --strict
    exit $?
fi

command -v npm >/dev/null || { echo "npm is required" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

declare -a PKG_LINES=()

# fetch <name> <version>: npm pack into $TMP/<name>, extract; sets PKG_DIR.
PKG_DIR=""
fetch() {
    local name="$1" version="$2" dir="$TMP/$1" json integrity tgz
    mkdir -p "$dir"
    json="$(cd "$dir" && npm pack "$name@$version" --json --silent)"
    tgz="$(printf '%s' "$json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s)[0].filename))')"
    integrity="$(printf '%s' "$json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s)[0].integrity))')"
    tar -xzf "$dir/$tgz" -C "$dir"
    [[ -n "$integrity" ]] || { echo "no integrity reported for $name@$version" >&2; exit 1; }
    PKG_LINES+=("$name@$version  $integrity")
    PKG_DIR="$dir/package"
}

# copy_stripped <src> <dest>: copy, dropping whole-line sourceMappingURL comments.
copy_stripped() {
    grep -v -E '^[[:space:]]*(//# sourceMappingURL=.*|/\*# sourceMappingURL=.*\*/[[:space:]]*)$' "$1" > "$2" || true
    if grep -q -E '^[[:space:]]*(//|/\*)# sourceMappingURL=' "$2"; then
        echo "sourceMappingURL line left in $2" >&2; exit 1
    fi
    [[ -s "$2" ]] || { echo "empty output $2" >&2; exit 1; }
}

echo "Fetching bootstrap@$BOOTSTRAP_VERSION"
fetch bootstrap "$BOOTSTRAP_VERSION"; P="$PKG_DIR"
rm -rf "$VENDOR/bootstrap"; mkdir -p "$VENDOR/bootstrap"
copy_stripped "$P/dist/css/bootstrap.min.css"       "$VENDOR/bootstrap/bootstrap.min.css"
copy_stripped "$P/dist/js/bootstrap.bundle.min.js"  "$VENDOR/bootstrap/bootstrap.bundle.min.js"
cp "$P/LICENSE" "$VENDOR/bootstrap/LICENSE"

echo "Fetching chart.js@$CHARTJS_VERSION"
fetch chart.js "$CHARTJS_VERSION"; P="$PKG_DIR"
rm -rf "$VENDOR/chartjs"; mkdir -p "$VENDOR/chartjs"
if [[ -f "$P/dist/chart.umd.min.js" ]]; then SRC="$P/dist/chart.umd.min.js"; else SRC="$P/dist/chart.umd.js"; fi
copy_stripped "$SRC" "$VENDOR/chartjs/chart.umd.min.js"
cp "$P/LICENSE.md" "$VENDOR/chartjs/LICENSE"

echo "Fetching redoc@$REDOC_VERSION"
fetch redoc "$REDOC_VERSION"; P="$PKG_DIR"
rm -rf "$VENDOR/redoc"; mkdir -p "$VENDOR/redoc"
copy_stripped "$P/bundles/redoc.standalone.js" "$VENDOR/redoc/redoc.standalone.js"
# Redoc's sidebar footer loads the Redocly logo from cdn.redoc.ly (no option turns it off): the app
# loads nothing from a CDN and its CSP refuses it, so the URL becomes an empty inline SVG.
REDOC_LOGO="https://cdn.redoc.ly/redoc/logo-mini.svg"
grep -q "$REDOC_LOGO" "$VENDOR/redoc/redoc.standalone.js" || { echo "redoc: logo URL not found; check the patch" >&2; exit 1; }
sed -i "s#$REDOC_LOGO#data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E#g" "$VENDOR/redoc/redoc.standalone.js"
if grep -Eo 'src:"https?://[^"]+"' "$VENDOR/redoc/redoc.standalone.js"; then echo "redoc: still loads from the network" >&2; exit 1; fi
cp "$P/LICENSE" "$VENDOR/redoc/LICENSE"
if [[ -f "$P/bundles/redoc.standalone.js.LICENSE.txt" ]]; then
    cp "$P/bundles/redoc.standalone.js.LICENSE.txt" "$VENDOR/redoc/redoc.standalone.js.LICENSE.txt"
fi

echo "Fetching dejavu-fonts-ttf@$DEJAVU_VERSION"
fetch dejavu-fonts-ttf "$DEJAVU_VERSION"; P="$PKG_DIR"
mkdir -p "$FONTS"
cp "$P/ttf/DejaVuSans.ttf"      "$FONTS/DejaVuSans.ttf"
cp "$P/ttf/DejaVuSans-Bold.ttf" "$FONTS/DejaVuSans-Bold.ttf"
cp "$P/LICENSE"                 "$FONTS/LICENSE-DejaVu.txt"

echo "Fetching axe-core@$AXE_VERSION (tests only)"
fetch axe-core "$AXE_VERSION"; P="$PKG_DIR"
AXE="$ROOT/tests/vendor/axe-core"
rm -rf "$AXE"; mkdir -p "$AXE"
copy_stripped "$P/axe.min.js" "$AXE/axe.min.js"
cp "$P/LICENSE" "$AXE/LICENSE"
if [[ -f "$P/LICENSE-3RD-PARTY.txt" ]]; then cp "$P/LICENSE-3RD-PARTY.txt" "$AXE/LICENSE-3RD-PARTY.txt"; fi

# Check the fonts cover Azerbaijani and Cyrillic, when fontTools is at hand.
PY="${PYTHON:-$ROOT/.venv/bin/python}"
if [[ -x "$PY" ]] && "$PY" -c 'import fontTools' 2>/dev/null; then
    "$PY" - "$FONTS/DejaVuSans.ttf" "$FONTS/DejaVuSans-Bold.ttf" <<'EOF'
import sys
from fontTools.ttLib import TTFont
need = "əƏğĞıİöÖşŞçÇüÜЖжЁё"
for path in sys.argv[1:]:
    cmap = TTFont(path).getBestCmap()
    missing = [f"U+{ord(c):04X}" for c in need if ord(c) not in cmap]
    if missing:
        sys.exit(f"{path}: missing glyphs {missing}")
    print(f"ok: {path.rsplit('/', 1)[-1]} covers {need}")
EOF
else
    echo "note: fontTools not available; skipped glyph coverage check" >&2
fi

cd "$ROOT"
{
    echo "# Vendored assets, written by scripts/vendor-assets.sh -- do not edit by hand."
    echo "# Verify with: scripts/vendor-assets.sh --check"
    echo "#"
    echo "# Packages (npm name@version  tarball integrity):"
    for l in "${PKG_LINES[@]}"; do echo "#   $l"; done
    echo "#"
    echo "# Notes:"
    echo "#   - chartjs/chart.umd.min.js is dist/chart.umd.min.js of chart.js (UMD build, sets window.Chart)."
    echo "#   - redoc/redoc.standalone.js is bundles/redoc.standalone.js of redoc (sets window.Redoc), with the"
    echo "#     Redocly logo URL (cdn.redoc.ly) replaced by an empty inline SVG: nothing is loaded from a CDN."
    echo "#   - fonts come from npm package dejavu-fonts-ttf (ttf/), licence = its LICENSE file."
    echo "#   - tests/vendor/axe-core/axe.min.js is axe.min.js of axe-core: used by the browser tests only, not served."
    echo "#   - source maps not vendored; sourceMappingURL comment lines stripped from js/css."
    echo "#"
    echo "# sha256  path (relative to repo root)"
    for f in \
        static/vendor/bootstrap/bootstrap.min.css \
        static/vendor/bootstrap/bootstrap.bundle.min.js \
        static/vendor/bootstrap/LICENSE \
        static/vendor/chartjs/chart.umd.min.js \
        static/vendor/chartjs/LICENSE \
        static/vendor/redoc/redoc.standalone.js \
        static/vendor/redoc/redoc.standalone.js.LICENSE.txt \
        static/vendor/redoc/LICENSE \
        static/fonts/DejaVuSans.ttf \
        static/fonts/DejaVuSans-Bold.ttf \
        static/fonts/LICENSE-DejaVu.txt \
        tests/vendor/axe-core/axe.min.js \
        tests/vendor/axe-core/LICENSE \
        tests/vendor/axe-core/LICENSE-3RD-PARTY.txt
    do
        if [[ -f "$f" ]]; then sha256sum "$f"; fi
    done
} > "$VERSIONS"

echo "Wrote $VERSIONS"
du -sh "$VENDOR" "$FONTS" "$ROOT/tests/vendor"
