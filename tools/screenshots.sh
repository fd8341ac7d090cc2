#!/usr/bin/env bash
# Renew docs/screenshots/: the browser test of the article's story photographs the main pages
# in English and Chinese as it walks (needs Chromium and LibreOffice, like the test itself).
set -euo pipefail
cd "$(dirname "$0")/.."
make install >/dev/null
rm -rf docs/screenshots
CRM_SCREENSHOTS=docs/screenshots .venv/bin/pytest -q tests/browser/test_story_browser.py
ls docs/screenshots
