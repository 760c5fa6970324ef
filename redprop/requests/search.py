"""Description search (诉求描述检索): a character n-gram index that finds Chinese words.

Chinese has no spaces and most words are two characters (漏水, 噪音, 停车), so neither
PostgreSQL's word parser nor pg_trgm (whose trigrams need a three-character pattern)
can find them. Each request keeps, in ``ServiceRequest.search_text``, the distinct
*tokens* of its description: every single letter or digit, and every run of two and
of three adjacent ones (character 1-, 2- and 3-grams). A term can only be a
substring of a description if the term's grams are among the description's tokens,
so on PostgreSQL the search asks a GIN index for the rows holding some of them, then
rechecks the exact substring on those rows. The recheck makes the results exactly
those of the plain substring search (``description__contains``); the index only
makes it fast. On other databases (SQLite, the tests) the plain substring search
runs alone.

Rules that keep the index a *superset* of the substring matches:

* A token is made of "indexable" characters only (letters and digits: ``isalnum``
  of the folded character); punctuation and spaces break a run, and grams are taken
  only inside a run. If the term is a substring of the description, every gram of
  the term's runs is a gram of the description's runs.
* Characters are case-folded the same way on both sides (``fold``), which can only
  merge tokens, never split them: the index stays a superset for a case-sensitive
  ``contains`` and for a case-insensitive ``icontains`` (the admin's search).
* PostgreSQL never parses the tokens: the index is over
  ``array_to_tsvector(string_to_array(search_text, ' '))`` and the query is a
  ``tsquery`` of quoted lexemes, so no locale, word parser or dictionary can drop
  or change a token (``to_tsvector`` would drop ① and ², and lowercase by locale).

Which grams the query asks for decides the plan PostgreSQL picks: see
``index_tokens``, and docs/adr/0005-cjk-search.md for the measurements.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

from django.db import connections, models
from django.db.models import Func, Value

M = TypeVar("M", bound=models.Model)

#: The GIN index (PostgreSQL only, created by migration 0004). Its expression must
#: stay identical to ``_TokensMatch``'s left-hand side, or the planner will not use it
#: (test_search checks the index in the database against this one).
INDEX_NAME = "req_search_grams"
INDEX_EXPRESSION = "array_to_tsvector(array_remove(string_to_array(search_text, ' '), ''))"


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


#: The longest gram indexed. Trigrams let the planner's statistics tell a rare
#: three-character phrase made of common pairs (漏水道: 漏水 and 水道 are common).
N = 3


def document_tokens(text: str) -> str:
    """The value of ``search_text`` for a description: its distinct 1-, 2- and
    3-grams, space-separated, in order of first appearance.

    "3号楼漏水" → "3 3号 3号楼 号 号楼 号楼漏 楼 楼漏 楼漏水 漏 漏水 水".
    """
    seen: dict[str, None] = {}
    for run in _runs(text):
        for i in range(len(run)):
            for n in range(1, N + 1):
                if i + n <= len(run):
                    seen[run[i : i + n]] = None
    return " ".join(seen)


def query_tokens(term: str) -> list[str]:
    """The tokens every description containing ``term`` holds, longest grams only: a
    run of the term shorter than N is its own token, a longer run gives its N-grams.
    Empty when the term has no letter or digit (then the index cannot help)."""
    seen: dict[str, None] = {}
    for run in _runs(term):
        n = min(len(run), N)
        for i in range(len(run) - n + 1):
            seen[run[i : i + n]] = None
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


class _Contains(Func):
    """``strpos(description, term) <> 0``: the exact, case-sensitive substring test of
    ``description LIKE '%term%'`` (which ``description__contains`` writes), in a form
    whose selectivity the planner does not try to guess (it takes 0.995). Its guess
    for LIKE comes from a 100-row histogram and is multiplied with the index
    condition's, although one implies the other; the product led it to fetch and
    sort every match of a common word (docs/adr/0005-cjk-search.md)."""

    output_field = models.BooleanField()

    def __init__(self, column: str, term: str) -> None:
        super().__init__(models.F(column), Value(term))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        column, term = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        term_sql, term_params = compiler.compile(term)
        return f"strpos({column_sql}, {term_sql}) <> 0", (*column_params, *term_params)


# --- which tokens the index is asked for -------------------------------------------

#: Seconds a process trusts the token frequencies it read from PostgreSQL.
STATS_TTL = 600.0
#: At most this many lexemes in one index condition (a long term needs few).
MAX_LEXEMES = 16
_frequencies: dict[str, tuple[float, dict[str, float]]] = {}


def token_frequencies(alias: str) -> dict[str, float]:
    """The share of requests holding each *common* token, as PostgreSQL's ANALYZE
    found it (``pg_stats.most_common_elems`` of the index); a token absent from it is
    rarer than every token in it. Read at most once per ``STATS_TTL`` per process."""
    now = time.monotonic()
    cached = _frequencies.get(alias)
    if cached is not None and now - cached[0] < STATS_TTL:
        return cached[1]
    with connections[alias].cursor() as cur:
        cur.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s",
            [INDEX_NAME],
        )
        row = cur.fetchone()
    freqs = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
    _frequencies[alias] = (now, freqs)
    return freqs


def index_tokens(term: str, frequencies: dict[str, float]) -> list[str]:
    """The tokens of ``term`` the index is asked for, chosen so that PostgreSQL's
    planner estimates the number of matches well enough to pick the right plan:
    walk the scope newest first and stop at a page (a common word), or fetch the few
    matches from the index and sort them (a rare word).

    * Every token is common (in ``frequencies``): only the rarest. The planner then
      estimates from that token's measured frequency, an upper bound of the term's.
      Given all of them, it multiplies their frequencies as if they were independent
      (下水 and 水道 of 下水道), guesses a few matches where there are thousands, and
      fetches and sorts them all: 2–7 s for 请尽快处理 at 1 M requests.
    * Some tokens are rarer than every common one: those, each twice. The planner
      gives an uncounted token half the smallest counted frequency (~0.1 % here) —
      too much for a word that is nowhere, at a city's scope it would walk all the
      rows; squared, the estimate is small enough for the index. The rows read are
      bounded by the rare token's few.
    """
    tokens = query_tokens(term)
    if not tokens:
        return []
    rare = [t for t in tokens if t not in frequencies][: MAX_LEXEMES // 2]
    if not rare:
        return [min(tokens, key=frequencies.__getitem__)]
    return [t for t in rare for _ in range(2)]


def uses_index(qs: models.QuerySet[Any]) -> bool:
    return connections[qs.db].vendor == "postgresql"


def narrow(qs: models.QuerySet[M], term: str) -> models.QuerySet[M]:
    """Keep only rows whose tokens hold ``term``'s (on PostgreSQL; a no-op elsewhere
    or when the term has no letter or digit). A prefilter: it never drops a row whose
    description contains ``term``, exactly or ignoring case; the caller adds the
    exact condition."""
    if not uses_index(qs):
        return qs
    tokens = index_tokens(term, token_frequencies(qs.db))
    if not tokens:
        return qs
    return qs.filter(_TokensMatch("search_text", tokens))


def filter_description(qs: models.QuerySet[M], term: str) -> models.QuerySet[M]:
    """Requests whose description contains ``term``: exactly the rows of
    ``description__contains=term`` on every database, through the index on PostgreSQL."""
    if not uses_index(qs):
        return qs.filter(description__contains=term)
    return narrow(qs, term).filter(_Contains("description", term))


# --- (re)filling the column ---------------------------------------------------------


def reindex(model: Any, *, using: str = "default", batch: int = 2000) -> int:
    """Write ``search_text`` where it differs from ``document_tokens(description)``,
    in batches by id (each its own statement, committed on its own in autocommit), so
    a large table is never locked as a whole. ``model`` may be a migration's historical
    ServiceRequest. Returns the number of rows rewritten. Used by the data migration
    and by ``manage.py search_reindex`` (after a change of the tokenizer)."""
    last, changed = 0, 0
    while True:
        rows = list(
            model.objects.using(using)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "description", "search_text")[:batch]
        )
        if not rows:
            return changed
        stale = [
            model(pk=pk, search_text=new)
            for pk, description, old in rows
            if (new := document_tokens(description)) != old
        ]
        if stale:
            model.objects.using(using).bulk_update(stale, ["search_text"], batch_size=500)
        changed += len(stale)
        last = rows[-1][0]
