#!/usr/bin/env bash
# Known-vulnerability audit of the locked dependencies (requirements.lock) with pip-audit.
# Fails on any known vulnerability. pip-audit asks PyPI's per-release JSON API (or OSV); where the
# network serves neither (as on the development machines, which reach only package indexes), it
# says so loudly and exits 0 rather than pretend to have audited.
set -euo pipefail
cd "$(dirname "$0")/.."
probe() { curl -fsS -m 10 -o /dev/null "$1" 2>/dev/null; }
if probe https://pypi.org/pypi/pip/24.0/json; then service=pypi
elif probe "https://api.osv.dev/v1/vulns/PYSEC-2023-228"; then service=osv
else
  echo "WARNING: no vulnerability service reachable (pypi.org per-release JSON API, api.osv.dev): dependency audit NOT run" >&2
  exit 0
fi
python3 -m venv var/audit-venv
var/audit-venv/bin/python -m pip install -q "pip-audit>=2.7,<3"
# local version labels (torch 2.13.0+cpu) are not on PyPI's API: audit the public release
grep -v '^#' requirements.lock | sed 's/+[A-Za-z0-9.]*$//' > var/audit-requirements.txt
var/audit-venv/bin/pip-audit --strict --no-deps --disable-pip --vulnerability-service "$service" \
  -r var/audit-requirements.txt
