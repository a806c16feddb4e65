"""``python -m toyinduction``: the command line."""

from toyinduction.cli import main

main()
