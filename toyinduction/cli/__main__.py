"""``python -m toyinduction.cli``: the command line."""

from toyinduction.cli import main

main()
