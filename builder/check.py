"""Check: the rules that relate records to each other, and the summary of a clean manuscript.

`load` has already vouched for each record on its own; here we make sure every
citation names a registered source, every source is used, nothing rests only
on low-reliability sources without being kept out of the text, and every
recorded conflict is settled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .models import GRADE_MEANINGS, RESULTS, Citation, Manuscript, Where
from .problems import Problem


def check_manuscript(m: Manuscript) -> list[Problem]:
    """Every cross-record problem in `m`, in file order."""
    problems: list[Problem] = []
    for rule in (_unknown_sources, _unused_sources, _low_only, _conflicts, _ranges, _templates):
        problems.extend(rule(m))
    return sorted(problems)


def _at(where: Where, code: str, message: str, hint: str) -> Problem:
    return Problem(where.path, where.line, where.col, code, message, hint)


def _all_citations(m: Manuscript) -> list[Citation]:
    return [c for record in m.citable().values() for c in record.sources]


def _unknown_sources(m: Manuscript) -> list[Problem]:
    known = set(m.sources)
    hint = "register it in sources.yaml or fix the id"
    out = [_at(c.where, "R001", f"cites unknown source {c.source!r}", hint)
           for c in _all_citations(m) if c.source not in known]
    out += [_at(a.where, "R001", f"account names unknown source {a.source!r}", hint)
            for conflict in m.conflicts for a in conflict.accounts if a.source not in known]
    for source in m.sources.values():
        if source.cited_in and source.cited_in not in known:
            out.append(_at(source.where, "R001", f"cited-in names unknown source {source.cited_in!r}", hint))
        elif source.cited_in == source.id:
            out.append(_at(source.where, "R006", "a source cannot be cited in itself",
                           "name the document in which this publication was seen"))
    return out


def _unused_sources(m: Manuscript) -> list[Problem]:
    used = {c.source for c in _all_citations(m)}
    used |= {a.source for conflict in m.conflicts for a in conflict.accounts}
    # A document that is only seen through the publications it cites is still used.
    used |= {s.cited_in for s in m.sources.values() if s.cited_in and s.id in used}
    return [_at(s.where, "R002", f"source {s.id!r} is never cited",
                "cite it from a fact, an entry or a conflict, or remove it")
            for s in m.sources.values() if s.id not in used]


def _low_only(m: Manuscript) -> list[Problem]:
    out = []
    for record in m.citable().values():
        sources = [m.sources.get(c.source) for c in record.sources]
        if record.excluded or not sources or None in sources:
            continue
        if all(s.low for s in sources):
            grades = ", ".join(sorted({s.grade for s in sources}))
            out.append(_at(record.where, "R003",
                           f"{record.id!r} rests only on low-reliability sources (grade {grades})",
                           "cite a better source, or add `excluded:` with the reason to keep it out of the text"))
    return out


def _conflicts(m: Manuscript) -> list[Problem]:
    ids = set(m.citable())
    out = []
    for conflict in m.conflicts:
        if not conflict.resolved:
            missing = "resolution" if not conflict.resolution else "reason"
            out.append(_at(conflict.where, "R004", f"conflict {conflict.id!r} is unresolved (no {missing})",
                           "write `resolution:` and the `reason:` it rests on"))
        for target in conflict.affects:
            if target not in ids:
                out.append(_at(conflict.where, "R005", f"conflict {conflict.id!r} affects unknown id {target!r}",
                               "name a fact, filmography entry or award id"))
    return out


def _ranges(m: Manuscript) -> list[Problem]:
    return [_at(e.where, "R007", f"{e.id!r} ends ({e.until}) before it starts ({e.year})",
                "swap `year` and `until`, or fix the years")
            for e in m.filmography if e.until is not None and (e.year is None or e.until < e.year)]


def _templates(m: Manuscript) -> list[Problem]:
    base = m.root / "templates"
    return [_at(ch.where, "R008", f"chapter template {ch.template!r} does not exist",
                f"create templates/{ch.template} in the manuscript or fix the path")
            for ch in m.profile.chapters if not (base / ch.template).is_file()]


@dataclass(frozen=True)
class Summary:
    sources_by_grade: dict[str, int]
    facts: int
    facts_excluded: int
    filmography: int
    awards_by_result: dict[str, int]
    conflicts: int
    conflicts_resolved: int
    chapters: int

    def lines(self) -> list[str]:
        grades = ", ".join(f"{g} {self.sources_by_grade.get(g, 0)}" for g in GRADE_MEANINGS)
        awards = ", ".join(f"{self.awards_by_result.get(r, 0)} {r}" for r in RESULTS)
        return [
            f"sources      {sum(self.sources_by_grade.values()):>4}  by grade: {grades}",
            f"facts        {self.facts:>4}  ({self.facts_excluded} kept out of the text)",
            f"filmography  {self.filmography:>4}  entries",
            f"awards       {sum(self.awards_by_result.values()):>4}  ({awards})",
            f"conflicts    {self.conflicts:>4}  ({self.conflicts_resolved} resolved)",
            f"chapters     {self.chapters:>4}",
        ]


def summarise(m: Manuscript) -> Summary:
    return Summary(
        sources_by_grade=dict(Counter(s.grade for s in m.sources.values())),
        facts=len(m.facts),
        facts_excluded=sum(1 for f in m.facts.values() if f.excluded),
        filmography=len(m.filmography),
        awards_by_result=dict(Counter(a.result for a in m.awards)),
        conflicts=len(m.conflicts),
        conflicts_resolved=sum(1 for c in m.conflicts if c.resolved),
        chapters=len(m.profile.chapters),
    )
