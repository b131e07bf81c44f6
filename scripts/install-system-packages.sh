#!/usr/bin/env bash
# Installs the Debian packages the tests and evaluations need, and only the ones that are missing.
# Why not one `apt-get install … nodejs npm …`: on machines whose nodejs ships its own npm (NodeSource),
# Debian's `npm` package conflicts with it and apt refuses the whole line ("held broken packages").
set -euo pipefail

# command (or "font:NAME") → Debian package that provides it
wanted=(
  "tesseract:tesseract-ocr"
  # the evaluation's Tesseract reads its documents' languages (evals/ocr.py TESSERACT_LANGUAGES)
  "tessdata:deu:tesseract-ocr-deu"
  "tessdata:fra:tesseract-ocr-fra"
  "tessdata:nld:tesseract-ocr-nld"
  "node:nodejs"
  "npm:npm"
  "font:DejaVu Sans:fonts-dejavu-core"
  "font:Liberation Sans:fonts-liberation"
)

have() {
  local probe=$1
  case "$probe" in
    font:*) fc-list 2>/dev/null | grep -q "${probe#font:}" ;;
    tessdata:*) tesseract --list-langs 2>/dev/null | grep -qx "${probe#tessdata:}" ;;
    *) command -v "$probe" >/dev/null 2>&1 ;;
  esac
}

missing=()
for entry in "${wanted[@]}"; do
  package=${entry##*:}
  probe=${entry%:*}
  have "$probe" || missing+=("$package")
done

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "error: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
for package in "${missing[@]}"; do
  # one package at a time, so a failure names the package that apt could not install
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; then
    echo "error: apt-get could not install '$package'; install it by hand and rerun 'make install'" >&2
    exit 1
  fi
done
