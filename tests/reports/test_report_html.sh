#!/usr/bin/env bash
# report.html in a real browser (issue 18.9): the report of the committed
# fixture (plus a generated Figure-4 grid and anomaly-map overlay) is opened
# in headless Chromium, which takes a screenshot (it must be a non-trivial
# PNG) and dumps the DOM after a script has checked every <img>: each must
# have loaded (complete, naturalWidth > 0). Skipped (77, with the reason)
# where Chromium is absent; under CI=true (.ci/run, which installs it) a
# missing Chromium fails instead.
# usage: test_report_html.sh ALCNBENCH SOURCE_DIR
set -euo pipefail
AB=${1:?usage: test_report_html.sh ALCNBENCH SOURCE_DIR}
SRC=${2:?usage: test_report_html.sh ALCNBENCH SOURCE_DIR}
browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser=$(command -v "$b"); break; fi
done
if [ -z "$browser" ]; then
  if [ "${CI:-}" = true ]; then
    echo "FAIL: Chromium is not installed (CI installs Debian's chromium through tests/run.sh)"
    exit 1
  fi
  echo "skip: Chromium is not installed (hint: apt-get install chromium); report.html was not checked in a browser"
  exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/alcn-html.XXXXXX")
trap 'rm -rf "$T"' EXIT
cp -r "$SRC/tests/reports/fixture" "$T/res"
"$AB" report "$T/res" -o "$T/rep" --quiet
html="$T/rep/report.html"
[ -s "$html" ] || { echo "FAIL: no report.html"; exit 1; }
nimg=$(grep -o '<img ' "$html" | wc -l)
[ "$nimg" -gt 0 ] || { echo "FAIL: report.html has no <img>"; exit 1; }

# Chromium's own profile and caches in the temp folder; --no-sandbox for root in containers.
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars --no-first-run
       --user-data-dir="$T/profile" --allow-file-access-from-files)
# 1. a screenshot of the page
( cd "$T" && timeout 120 "$browser" "${flags[@]}" --window-size=1280,3000 --screenshot="$T/shot.png" \
    "file://$html" ) > "$T/shot.log" 2>&1 || { echo "FAIL: chromium --screenshot failed:"; cat "$T/shot.log"; exit 1; }
[ -s "$T/shot.png" ] || { echo "FAIL: no screenshot"; cat "$T/shot.log"; exit 1; }
size=$(stat -c %s "$T/shot.png")
[ "$size" -gt 20000 ] || { echo "FAIL: the screenshot is only $size bytes (a blank page?)"; exit 1; }
# 2. every image loaded: a copy of the page with a checking script, its DOM dumped after load
check="$T/rep/check.html"
script='<script>window.addEventListener("load",function(){var ok=0,bad=[];var im=document.images;for(var i=0;i<im.length;i++){if(im[i].complete){if(im[i].naturalWidth>0){ok++;continue;}}bad.push(im[i].alt||("img"+i));}var p=document.createElement("pre");p.id="imgcheck";p.textContent="IMGCHECK total="+im.length+" loaded="+ok+" broken="+bad.join(",")+" END";document.body.appendChild(p);});</script>'
# (no '&' in the script: bash's ${x/p/r} puts the match there)
page=$(<"$html")
printf '%s\n' "${page/<\/body>/${script}</body>}" > "$check"
timeout 120 "$browser" "${flags[@]}" --virtual-time-budget=20000 --dump-dom "file://$check" > "$T/dom.html" \
  2> "$T/dom.log" || { echo "FAIL: chromium --dump-dom failed:"; cat "$T/dom.log"; exit 1; }
line=$(grep -oE 'IMGCHECK total=[0-9]+ loaded=[0-9]+ broken=[^<"]* END' "$T/dom.html" || true)
[ -n "$line" ] || { echo "FAIL: the checking script did not run (no IMGCHECK in the DOM)"; exit 1; }
echo "$line"
case "$line" in
  *"total=$nimg loaded=$nimg broken= END"*) ;;
  *) echo "FAIL: not every image of report.html loaded ($nimg <img> in the file): $line"; exit 1 ;;
esac
echo "ok: report.html: $nimg images loaded in $(basename "$browser"), screenshot $size bytes"
