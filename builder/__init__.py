"""Profile builder: curated, sourced facts about a person in, a footnoted PDF and an EPUB 3 out.

The pipeline, one module a stage: load (and check) the manuscript, build the
render context, render the templates, write the PDF and the EPUB; `build`
runs them in order and `cli` is the command line around it.
"""

__version__ = "0.1.0"
