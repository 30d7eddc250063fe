#!/usr/bin/env bash
# System packages the test suite uses, installed when missing from Debian's packages:
# prometheus-alertmanager (test/e2e/alerts.test.ts runs a real Alertmanager), prometheus (its
# promtool checks GET /metrics in test/e2e/metrics.test.ts) and chromium (test/e2e/ui.test.ts
# drives the built-in UI in headless Chromium). Needs root and apt-get;
# elsewhere it says what to install and leaves those tests to fail with the same instructions.
set -euo pipefail
missing=()
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: missing ${missing[*]}; install (Debian: apt-get install -y --no-install-recommends ${missing[*]})" >&2
  exit 0
fi
echo "test-deps: installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
