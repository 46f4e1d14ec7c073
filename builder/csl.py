"""CSL: the vocabulary of CSL 1.0.2 item data, as the CSL-JSON schema (csl-data.json) lists it.

Every item type and every variable of that schema is accepted in a source; the kind of each
variable (names, date, number, text) decides how it is read. Nothing here formats anything:
that is `citations`. Only the two aliases the schema marks as old spellings are renamed.
"""

from __future__ import annotations

ITEM_TYPES = frozenset({
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
    "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
    "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing", "interview",
    "legal_case", "legislation", "manuscript", "map", "motion_picture", "musical_score",
    "pamphlet", "paper-conference", "patent", "performance", "periodical",
    "personal_communication", "post", "post-weblog", "regulation", "report", "review",
    "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage",
})

NAME_VARIABLES = frozenset({
    "author", "chair", "collection-editor", "compiler", "composer", "container-author",
    "contributor", "curator", "director", "editor", "editorial-director", "editor-translator",
    "executive-producer", "guest", "host", "illustrator", "interviewer", "narrator", "organizer",
    "original-author", "performer", "producer", "recipient", "reviewed-author", "script-writer",
    "series-creator", "translator",
})

DATE_VARIABLES = frozenset({"accessed", "available-date", "event-date", "issued", "original-date",
                            "submitted"})

# Variables the schema allows as a number or a string: read as text, digits kept as written.
NUMBER_VARIABLES = frozenset({
    "chapter-number", "citation-number", "collection-number", "edition",
    "first-reference-note-number", "issue", "locator", "number", "number-of-pages",
    "number-of-volumes", "page", "page-first", "part", "printing", "supplement", "volume",
})

TEXT_VARIABLES = frozenset({
    "abstract", "annote", "archive", "archive_collection", "archive_location", "archive-place",
    "authority", "call-number", "citation-key", "citation-label", "collection-title",
    "container-title", "container-title-short", "dimensions", "division", "DOI", "event",
    "event-title", "event-place", "genre", "ISBN", "ISSN", "jurisdiction", "keyword", "language",
    "license", "medium", "note", "original-publisher", "original-publisher-place",
    "original-title", "part-title", "PMCID", "PMID", "publisher", "publisher-place",
    "references", "reviewed-genre", "reviewed-title", "scale", "section", "source", "status",
    "title", "title-short", "URL", "version", "volume-title", "volume-title-short", "year-suffix",
})

LIST_VARIABLES = frozenset({"categories"})
# `custom`: the schema's place for data without a CSL variable (the project's own keys may go there).
OBJECT_VARIABLES = frozenset({"custom"})

# Older spellings the schema still lists, read as the variables they stand for.
ALIASES = {"journalAbbreviation": "container-title-short", "shortTitle": "title-short"}

VARIABLES = (NAME_VARIABLES | DATE_VARIABLES | NUMBER_VARIABLES | TEXT_VARIABLES
             | LIST_VARIABLES | OBJECT_VARIABLES)

NAME_PARTS = frozenset({"family", "given", "dropping-particle", "non-dropping-particle", "suffix",
                        "comma-suffix", "static-ordering", "literal", "parse-names"})
DATE_PARTS = frozenset({"date-parts", "season", "circa", "literal", "raw"})
