"""Description search (诉求描述检索): a character-bigram index that finds Chinese words.

Chinese has no spaces and most words are two characters (漏水, 噪音, 停车), so neither
PostgreSQL's word parser nor pg_trgm (three-character grams) can index them. Each
request keeps, in ``ServiceRequest.search_text``, the distinct *tokens* of its
description: every pair of adjacent letters or digits (a bigram) and every single
one. A term of two or more characters can only be a substring of a description if
all the term's bigrams are among the description's tokens; so on PostgreSQL the
search first asks a GIN index for the rows holding all of them, then rechecks the
exact substring (``description__contains``) on those rows. The recheck makes the
results exactly those of the plain substring search; the index only makes it fast.
On other databases (SQLite, the tests) the plain substring search runs alone.

Rules that keep the index a *superset* of the substring matches:

* A token is made of "indexable" characters only (letters and digits: ``isalnum``
  of the folded character): punctuation and spaces break a run, and a pair is taken only inside a run. If the term is a
  substring of the description, every pair of adjacent indexable characters of the
  term is adjacent in the description too.
* Characters are case-folded the same way on both sides (``fold``), which can only
  merge tokens, never split them: the index stays a superset for a case-sensitive
  ``contains`` and for a case-insensitive ``icontains`` (the admin's search).
* PostgreSQL never parses the tokens: the index is over
  ``array_to_tsvector(string_to_array(search_text, ' '))`` and the query is a
  ``tsquery`` of quoted lexemes, so no locale, word parser or dictionary can drop
  or change a token (``to_tsvector`` would drop ①, ², and lowercase by locale).

See docs/adr/0005-cjk-search.md for the measurements behind the choice.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connections, models
from django.db.models import Func, Value

M = TypeVar("M", bound=models.Model)

#: The GIN index (PostgreSQL only, created by a migration). Its expression must stay
#: identical to ``_TokensMatch``'s left-hand side, or the planner will not use it.
INDEX_NAME = "req_search_bigrams"
INDEX_EXPRESSION = "array_to_tsvector(array_remove(string_to_array(search_text, ' '), ''))"
INDEX_SQL = (
    f"CREATE INDEX {{concurrently}} IF NOT EXISTS {INDEX_NAME} "
    f"ON requests_servicerequest USING gin (({INDEX_EXPRESSION}))"
)


def fold(char: str) -> str:
    """One character, case-folded (A→a, Ａ→ａ, ſ→s).

    Through the upper case first, as PostgreSQL's ``icontains`` compares
    ``UPPER(…)``: two characters with the same upper case fold alike. Where Python's
    upper case is several characters (ß→SS, ᾈ→ἈΙ) the lower case is used instead,
    and a character with neither single-character mapping stays as it is.
    """
    upper = char.upper()
    if len(upper) == 1:
        lower = upper.lower()
        return lower if len(lower) == 1 else upper
    lower = char.lower()
    return lower if len(lower) == 1 else char


def _runs(text: str) -> list[str]:
    """The maximal runs of indexable characters of ``text``, folded."""
    runs: list[str] = []
    current: list[str] = []
    for char in text:
        folded = fold(char)
        if folded.isalnum():
            current.append(folded)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def document_tokens(text: str) -> str:
    """The value of ``search_text`` for a description: its distinct characters and
    bigrams, space-separated, in order of first appearance.

    "3号楼漏水" → "3 3号 号 号楼 楼 楼漏 漏 漏水 水".
    """
    seen: dict[str, None] = {}
    for run in _runs(text):
        for i, char in enumerate(run):
            seen[char] = None
            if i + 1 < len(run):
                seen[run[i : i + 2]] = None
    return " ".join(seen)


def query_tokens(term: str) -> list[str]:
    """The tokens every description containing ``term`` holds: the bigrams of the
    term's runs, and a run's single character when the run is one character long.
    Empty when the term has no letter or digit (then the index cannot help)."""
    seen: dict[str, None] = {}
    for run in _runs(term):
        if len(run) == 1:
            seen[run] = None
        for i in range(len(run) - 1):
            seen[run[i : i + 2]] = None
    return list(seen)


def _tsquery(tokens: list[str]) -> str:
    """A tsquery text of quoted lexemes, AND-ed (read by tsquery's input, not parsed)."""
    quoted = ("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in tokens)
    return " & ".join(quoted)


class _TokensMatch(Func):
    """``<the index expression> @@ '<a>' & '<b>'::tsquery``: true when the row's
    tokens hold every one of ``tokens``."""

    output_field = models.BooleanField()

    def __init__(self, column: str, tokens: list[str]) -> None:
        super().__init__(models.F(column), Value(_tsquery(tokens)))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        column, query = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        query_sql, query_params = compiler.compile(query)
        sql = (
            f"array_to_tsvector(array_remove(string_to_array({column_sql}, ' '), '')) "
            f"@@ ({query_sql})::tsquery"
        )
        return sql, (*column_params, *query_params)


def uses_index(qs: models.QuerySet[Any]) -> bool:
    return connections[qs.db].vendor == "postgresql"


def narrow(qs: models.QuerySet[M], term: str) -> models.QuerySet[M]:
    """Keep only rows whose tokens hold all of ``term``'s (PostgreSQL; a no-op
    elsewhere or when the term has no token). A prefilter: never drops a row whose
    description contains ``term``; the caller adds the exact condition."""
    tokens = query_tokens(term)
    if not tokens or not uses_index(qs):
        return qs
    return qs.filter(_TokensMatch("search_text", tokens))


def filter_description(qs: models.QuerySet[M], term: str) -> models.QuerySet[M]:
    """Requests whose description contains ``term`` (exactly the rows of
    ``description__contains=term``), through the bigram index where there is one."""
    return narrow(qs, term).filter(description__contains=term)
