#===- scripts/python-env.sh - The Python the scripts use -----------------===#
#
# Sourced by the scripts, with `root` set to the repository: they use the
# python3 on PATH, or, when install-deps.sh had to make one, the project's
# virtual environment `.venv` (for a python3 that pip cannot install into,
# such as Debian's own). An activated virtual environment takes precedence.
#
#===----------------------------------------------------------------------===#

if [ -z "${VIRTUAL_ENV:-}" ] && [ -x "$root/.venv/bin/python3" ]; then
  export VIRTUAL_ENV="$root/.venv"
  export PATH="$VIRTUAL_ENV/bin:$PATH"
fi
