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
``index_query``, and docs/adr/0007-cjk-search.md for the measurements.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connections, models
from django.db.models import Func, Value

M = TypeVar("M", bound=models.Model)

#: The GIN index (PostgreSQL only, created by migration 0004). Its expression must
#: stay identical to ``_TokensMatch``'s left-hand side, or the planner will not use it
#: (test_search checks the index in the database against this one).
INDEX_NAME = "req_search_grams"
_EXPRESSION = "array_to_tsvector(array_remove(string_to_array({column}, ' '), ''))"
INDEX_EXPRESSION = _EXPRESSION.format(column="search_text")


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


def _quote(token: str) -> str:
    """A lexeme for tsquery's input (which does not parse it further)."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_all(tokens: list[str]) -> str:
    """The tsquery text that holds when every one of ``tokens`` is present."""
    return " & ".join(_quote(t) for t in tokens)


class _TokensMatch(Func):
    """``<the index expression> @@ '<tsquery>'::tsquery``.

    The tsquery is written into the statement's text, not sent as a parameter. With
    server-side binding and prepared statements (psycopg's ``prepare_threshold``),
    PostgreSQL may switch a statement it has run five times to a generic plan, and a
    generic plan cannot see a parameter's value. The plan must follow the term:
    walk for a common one, the index for a rare one. So each term's statement gets
    its own text, and a plan made for it. The text holds only grams (letters and
    digits), quotes, spaces, ``&``, ``|`` and parentheses."""

    output_field = models.BooleanField()

    def __init__(self, column: str, tsquery: str) -> None:
        super().__init__(models.F(column))
        self.tsquery = tsquery

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        (column,) = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        literal = "'" + self.tsquery.replace("'", "''").replace("%", "%%") + "'"
        return f"{_EXPRESSION.format(column=column_sql)} @@ {literal}::tsquery", column_params


class _Contains(Func):
    """``strpos(description, term) <> 0``: the exact, case-sensitive substring test of
    ``description LIKE '%term%'`` (which ``description__contains`` writes), in a form
    whose selectivity the planner does not try to guess (it takes 0.995). Its guess
    for LIKE comes from a 100-value histogram and is multiplied with the index
    condition's, although one implies the other; for 漏水 that product made it
    expect 107 rows where there were 2,301, and fetch and sort them all."""

    output_field = models.BooleanField()

    def __init__(self, column: str, term: str) -> None:
        super().__init__(models.F(column), Value(term))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:  # type: ignore[override]
        column, term = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        term_sql, term_params = compiler.compile(term)
        return f"strpos({column_sql}, {term_sql}) <> 0", (*column_params, *term_params)


# --- what the index is asked for ---------------------------------------------------

#: Seconds a process trusts the index statistics it read from PostgreSQL.
STATS_TTL = 600.0
#: At most this many rare grams in one index condition (a long term needs few).
MAX_RARE = 8
#: How many rows (over the whole table) the planner is led to expect for a term
#: with a gram rarer than every counted one; see ``index_query``.
RARE_ROWS = 50.0


@dataclass(frozen=True)
class IndexStats:
    """What PostgreSQL's ANALYZE recorded for the n-gram index: the table's rows, the
    share of rows holding each *common* gram (``pg_stats.most_common_elems``) and the
    smallest such share. A gram not listed is rarer than that."""

    rows: float = 0.0
    frequencies: dict[str, float] = field(default_factory=dict)
    min_frequency: float = 0.0


_stats: dict[str, tuple[float, IndexStats]] = {}


def index_statistics(alias: str, table: str) -> IndexStats:
    """``IndexStats`` of the database ``alias``, read (one statement) at most once per
    ``STATS_TTL`` per process."""
    now = time.monotonic()
    cached = _stats.get(alias)
    if cached is not None and now - cached[0] < STATS_TTL:
        return cached[1]
    with connections[alias].cursor() as cur:
        cur.execute(
            "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs "
            "FROM pg_class c LEFT JOIN pg_stats s "
            "ON s.schemaname = current_schema() AND s.tablename = %s "
            "WHERE c.oid = %s::regclass",
            [INDEX_NAME, table],
        )
        row = cur.fetchone()
    stats = IndexStats()
    if row and row[1] and row[2] and len(row[2]) > len(row[1]):
        # For a tsvector the frequencies go on with the smallest and the largest.
        stats = IndexStats(
            rows=max(float(row[0]), 0.0),
            frequencies=dict(zip(row[1], row[2], strict=False)),
            min_frequency=float(row[2][len(row[1])]),
        )
    _stats[alias] = (now, stats)
    return stats


def index_query(term: str, stats: IndexStats) -> str:
    """The tsquery the index is asked, built so that PostgreSQL's planner estimates
    the number of matches well enough to pick the right plan: walk the scope newest
    first and stop at a page (a common term), or fetch the few matches from the
    index, sort them, then join (a rare one). Empty when the term has no gram.

    * Every gram of the term is counted (in ``stats.frequencies``): only the rarest.
      The planner estimates from that gram's measured frequency, an upper bound of
      the term's. Given all of them, it multiplied their frequencies as if they
      were independent (the three trigrams of 请尽快处理), expected a few matches
      where there were 170,000, and fetched and sorted them: 2–3 s at 1 M requests.
    * Some grams are not counted, so the term is in fewer than ``min_frequency`` of
      the rows: those grams, AND-ed. The planner takes an uncounted gram for
      ``min_frequency / 2`` (~0.15 %): for a word that is nowhere, in a city's 1 M
      rows, that looked like 1,500 matches and it walked every row (1.5 s). So
      the query adds ``(g | x)``, true whenever ``g`` is, with ``x`` a counted
      gram chosen so that the estimate over the whole table is ``RARE_ROWS``: the
      index is used, and the joins are planned for a few dozen rows, not for 2
      (squaring the estimate instead made them 3× slower for 1,300 matches).
    """
    tokens = query_tokens(term)
    if not tokens:
        return ""
    freqs = stats.frequencies
    rare = [t for t in tokens if t not in freqs][:MAX_RARE]
    if not rare:
        return _quote(min(tokens, key=freqs.__getitem__))
    query = tsquery_all(rare)
    if not freqs or stats.min_frequency <= 0:
        return query
    estimate = stats.rows * (stats.min_frequency / 2) ** len(rare)
    if estimate <= RARE_ROWS:
        return query
    factor = RARE_ROWS / estimate
    x = min(freqs, key=lambda t: (abs(freqs[t] - factor), t))
    return f"{query} & ({_quote(rare[0])} | {_quote(x)})"


def uses_index(qs: models.QuerySet[Any]) -> bool:
    return connections[qs.db].vendor == "postgresql"


def narrow(qs: models.QuerySet[M], term: str) -> models.QuerySet[M]:
    """Keep only rows whose grams hold ``term``'s (on PostgreSQL; a no-op elsewhere
    or when the term has no letter or digit). A prefilter: it never drops a row whose
    description contains ``term``, exactly or ignoring case; the caller adds the
    exact condition."""
    if not uses_index(qs):
        return qs
    query = index_query(term, index_statistics(qs.db, qs.model._meta.db_table))
    if not query:
        return qs
    return qs.filter(_TokensMatch("search_text", query))


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
