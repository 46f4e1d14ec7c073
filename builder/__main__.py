"""`python -m builder` runs the command line."""

from .cli import run

run()
