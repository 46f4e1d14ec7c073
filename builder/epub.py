"""EPUB: placeholder until the reading edition is written."""


def make_epub(ctx, layout, styles):
    raise NotImplementedError("the EPUB writer is not written yet")
