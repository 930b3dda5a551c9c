import os
import sys

# `python -m ormlint` puts the working directory first on sys.path: in a checked repository, a
# `click.py` or `libcst.py` of the project would then run. ormlint imports nothing from there
# (its own package is already loaded).
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from ormlint.entry import main  # noqa: E402

main(prog_name="python -m ormlint")
