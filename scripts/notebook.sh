#!/usr/bin/env bash
# The notebooks in a real .NET Interactive kernel through Jupyter.
#   ./scripts/notebook.sh --install        installs what they need, nothing else
#   ./scripts/notebook.sh NAME [NAME…]     also builds the repository (Release) and executes notebooks/NAME.ipynb
#                                          into artifacts/notebooks/NAME.ipynb and NAME.html (e.g. TopUpDemo TopUpReport)
#   ./scripts/notebook.sh --lab            also builds, then opens Jupyter on notebooks/ (jupyter-notebook package)
# What it installs: Debian's jupyter-nbconvert, python3-nbclient and jupyter-client (apt-get, when missing);
# Microsoft.dotnet-interactive 1.0.712001 into artifacts/tools/dotnet-interactive; its kernel specs
# (`dotnet interactive jupyter install`) into artifacts/jupyter/kernels. The kernel runs on .NET 10 with
# DOTNET_ROLL_FORWARD=Major. To use them from your own shell:
#   export PATH="$PWD/artifacts/tools/dotnet-interactive:$PATH" JUPYTER_PATH="$PWD/artifacts/jupyter" DOTNET_ROLL_FORWARD=Major
set -euo pipefail
source "$(dirname "$0")/lib.sh"

interactive_version=1.0.712001
tool_dir="$REPO_ROOT/artifacts/tools/dotnet-interactive"
export JUPYTER_PATH="$REPO_ROOT/artifacts/jupyter" DOTNET_ROLL_FORWARD=Major PATH="$tool_dir:$PATH"

install_kernel() {
  ensure_command jupyter-nbconvert jupyter-nbconvert python3-nbclient jupyter-client || return 1
  if ! dotnet tool list --tool-path "$tool_dir" 2>/dev/null | grep -qi "microsoft.dotnet-interactive *$interactive_version"; then
    quietly "install of .NET Interactive $interactive_version" \
      dotnet tool install Microsoft.dotnet-interactive --version "$interactive_version" --tool-path "$tool_dir" --allow-downgrade
  fi
  [ -f "$JUPYTER_PATH/kernels/.net-csharp/kernel.json" ] || { mkdir -p "$JUPYTER_PATH/kernels" &&
    quietly "dotnet interactive jupyter install" dotnet interactive jupyter install --path "$JUPYTER_PATH/kernels"; }
}

case "${1:-}" in
  -h|--help|"") usage_from_header "$0"; exit 0 ;;
  --install) install_kernel; exit ;;
esac

install_kernel
quietly "build" dotnet build "$REPO_ROOT/TopUpSpark.sln" -c Release -nologo -v quiet
if [ "$1" = --lab ]; then
  ensure_command jupyter-notebook jupyter-notebook
  as_root=(); [ "$(id -u)" -eq 0 ] && as_root=(--allow-root)
  exec jupyter notebook "${as_root[@]}" --notebook-dir="$REPO_ROOT/notebooks"
fi
mkdir -p "$REPO_ROOT/artifacts/notebooks"
for name in "$@"; do
  notebook="$REPO_ROOT/notebooks/${name%.ipynb}.ipynb"
  [ -f "$notebook" ] || { echo "no notebook $notebook" >&2; exit 1; }
  start=$SECONDS
  jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=.net-csharp --ExecutePreprocessor.timeout=300 \
    --output-dir "$REPO_ROOT/artifacts/notebooks" "$notebook"
  jupyter nbconvert --to html "$REPO_ROOT/artifacts/notebooks/$(basename "$notebook")"
  echo "$(basename "$notebook"): executed in $((SECONDS - start)) s; see artifacts/notebooks/"
done
