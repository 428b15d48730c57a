# Shared by bin/setup and bin/test: a project-local virtualenv with pinned requirements.
# Re-installs only when the requirements file changed since the last install.
ensure_venv() {
  local req="$1"
  local py="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
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
