"""``python -m csgen ...``: the command line."""

from .cli import main

main(prog_name="csgen")
