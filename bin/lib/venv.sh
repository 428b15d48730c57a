# Shared by bin/setup and bin/test: a project-local virtualenv with pinned requirements.
# Re-installs only when the requirements file changed since the last install.

# Python 3.11+ with venv and ensurepip (Debian splits them into python3-venv): checked before use,
# installed with apt-get when run as root on Debian, else named for the user to install.
ensure_python() {
  local py="$1"
  if ! command -v "$py" >/dev/null 2>&1; then
    echo "$py was not found: install Python 3.11 or newer (Debian 12: apt-get install python3)." >&2
    exit 1
  fi
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "DAH Guide needs Python 3.11 or newer; $py is $("$py" --version 2>&1). Set PYTHON=python3.11." >&2
    exit 1
  fi
  if "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    return
  fi
  local package
  package="python$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')-venv"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing $package (Python's venv and ensurepip) with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; }
  else
    echo "Python's venv module is missing. On Debian or Ubuntu: sudo apt-get install $package" >&2
    exit 1
  fi
}

ensure_venv() {
  local req="$1"
  local py="${PYTHON:-python3}"
  if [ -x .venv/bin/python ] && [ ! -f .venv/.installed-requirements.txt ] && [ ! -f .venv/.installed-requirements-dev.txt ] \
    && ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
    echo "Recreating .venv: an earlier attempt left it without pip"
    rm -rf .venv
  fi
  if [ ! -x .venv/bin/python ]; then
    ensure_python "$py"
    echo "Creating .venv with $($py --version)"
    "$py" -m venv .venv
  fi
  local stamp=".venv/.installed-$(basename "$req")"
  local sum
  sum=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "Installing $req into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
    echo "$sum" > "$stamp"
  fi
}
