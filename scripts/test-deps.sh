#!/usr/bin/env bash
# System packages the test suite uses, installed when missing: Debian's prometheus-alertmanager
# (test/e2e/alerts.test.ts runs a real Alertmanager). Needs root and apt-get; elsewhere it says
# what to install and leaves the test to fail with the same instructions.
set -euo pipefail
if command -v prometheus-alertmanager >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: prometheus-alertmanager is missing; install it (Debian: apt-get install -y --no-install-recommends prometheus-alertmanager)" >&2
  exit 0
fi
echo "test-deps: installing prometheus-alertmanager from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null 2>&1 \
  || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null; }
