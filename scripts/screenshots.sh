#!/usr/bin/env bash
# Writes the screenshots of the HTML reports in docs/screenshots/: the pages
# of the fixed result files in report/testdata (a cluster run, a --find-max
# run, a comparison) and a close-up of hovering, as headless Chromium shows
# them. They come from the browser test (TestHTMLInBrowser), so they are
# made the same way every time and only when the test passes. Run it after
# changing the report's look, and look at the pictures before committing.
set -euo pipefail
cd "$(dirname "$0")/.."

out=docs/screenshots
shots=(run find-max compare hover)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

AMRBENCH_SCREENSHOTS="$tmp" go test -count=1 -run 'TestHTMLInBrowser$' ./report
mkdir -p "$out"
for s in "${shots[@]}"; do
  cp "$tmp/$s.png" "$out/$s.png"
done
echo "screenshots.sh: wrote $(printf "$out/%s.png " "${shots[@]}")"
