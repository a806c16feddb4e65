"""The shipped programs (*.toy, *.lam). This folder is installed inside the package as
``toyinduction.shipped_programs`` (see pyproject.toml), so an installed wheel finds them through
``importlib.resources`` from any directory; in a checkout it is this folder."""
