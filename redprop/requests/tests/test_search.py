"""Description search (requests/search.py): the bigram index gives exactly the rows of
the plain substring search, on SQLite and on PostgreSQL, in one statement per page."""

from __future__ import annotations

import importlib
import io
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redprop.core.scope import scoped
from redprop.requests import search, selectors, services
from redprop.requests.models import Category, ServiceRequest
from redprop.requests.search import IndexStats, document_tokens, fold, index_query, query_tokens
from redprop.requests.selectors import RequestFilters

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index_statistics():
    """The frequencies a process caches belong to another test's rows."""
    search._stats.clear()


on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only"
)

# Chinese words that share characters, Latin letters in both cases, digits, full-width
# forms, punctuation, LIKE's wildcards and characters whose case mapping is odd.
ALPHABET = "漏水管道下楼号停车噪音电梯冷凝3号楼Bb2Ss，。、 -%_\\①²ßẞſİıǅＡａ"


def file(world: Any, text: str) -> ServiceRequest:
    return services.request_file(
        acting_user=world.users["resident"],
        category=Category.objects.get(code="seepage"),
        description=text,
        unit=world.unit,
    )


def found(world: Any, term: str, role: str = "community_staff") -> list[int]:
    scope = world.users[role].scope_set()
    qs = selectors.request_list(scope=scope, filters=RequestFilters(q=term))
    return [r.pk for r in qs]


def old_search(world: Any, term: str, role: str = "community_staff") -> list[int]:
    """What request_list did before the index: a plain substring filter."""
    scope = world.users[role].scope_set()
    qs = scoped(ServiceRequest.objects.all(), scope).filter(description__contains=term.strip())
    return list(qs.order_by("-id").values_list("pk", flat=True))


def like(term: str, text: str) -> bool:
    """The substring match of ``description__contains`` on this backend: exact on
    PostgreSQL; SQLite's LIKE ignores the case of ASCII letters only."""
    if connection.vendor == "sqlite":
        ascii_lower = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
        return term.translate(ascii_lower) in text.translate(ascii_lower)
    return term in text


# --- the tokens (pure functions) ---------------------------------------------------


def test_document_tokens_are_the_grams_of_letter_runs():
    assert document_tokens("3号楼漏水") == "3 3号 3号楼 号 号楼 号楼漏 楼 楼漏 楼漏水 漏 漏水 水"
    # Punctuation and spaces break runs: no gram across them; repeats kept once.
    assert document_tokens("漏水，漏水 B2") == "漏 漏水 水 b b2 2"
    assert document_tokens("，。！") == ""


def test_query_tokens_are_the_longest_grams():
    assert query_tokens("漏水") == ["漏水"]
    assert query_tokens("水") == ["水"]
    assert query_tokens("下水道") == ["下水道"]
    assert query_tokens("请尽快处理") == ["请尽快", "尽快处", "快处理"]
    assert query_tokens("3号楼 B2") == ["3号楼", "b2"]
    assert query_tokens("A 3") == ["a", "3"]
    assert query_tokens("，") == []  # no letter or digit: the index cannot help


def test_index_query_is_built_for_the_planners_estimate():
    freqs = {"请尽快": 0.17, "尽快处": 0.17, "快处理": 0.16, "漏水": 0.036, "水": 0.27, "物": 0.05}
    stats = IndexStats(rows=1_000_000, frequencies=freqs, min_frequency=0.003)
    # All counted: the rarest alone (its frequency bounds the term's).
    assert index_query("请尽快处理", stats) == "'快处理'"
    assert index_query("漏水", stats) == "'漏水'"
    # Uncounted: the planner would take 爆炸 for 0.15 % = 1,500 rows; (爆炸 | 漏水)
    # brings its estimate to 1,500 × 3.6 % = 54 rows, the nearest to RARE_ROWS.
    assert index_query("爆炸", stats) == "'爆炸' & ('爆炸' | '漏水')"
    # Two uncounted grams: 1 M × 0.0015² ≈ 2 rows, small enough as it is.
    assert index_query("水管漏水", stats) == "'水管漏' & '管漏水'"
    # A small table: 1,000 × 0.15 % ≈ 1.5 rows, nothing to add.
    assert index_query("爆炸", IndexStats(1000, freqs, 0.003)) == "'爆炸'"
    # No statistics yet: every gram counts as rare.
    assert index_query("下水道", IndexStats()) == "'下水道'"
    assert index_query("，", stats) == ""


def test_index_query_only_asks_for_grams_of_the_term():
    """Whatever the statistics, a row whose description contains the term holds
    every gram the index is asked for (so the prefilter never drops a match)."""
    freqs = {"请尽快": 0.17, "物": 0.05}
    stats = IndexStats(rows=1_000_000, frequencies=freqs, min_frequency=0.003)
    for term in ("请尽快处理", "爆炸", "水管漏水", "3号楼 B2"):
        query = index_query(term, stats)
        required = {part.strip(" '()") for part in query.split(" & ") if "|" not in part}
        assert required <= set(query_tokens(term))


@given(
    text=st.text(alphabet=ALPHABET, max_size=40),
    start=st.integers(0, 40),
    length=st.integers(1, 12),
)
def test_a_substring_has_a_subset_of_the_tokens(text, start, length):
    """The property the index relies on, for exact and case-insensitive matches."""
    term = text[start : start + length]
    assert set(query_tokens(term)) <= set(document_tokens(text).split())
    # Case changed character by character (as the database's UPPER/LOWER do).
    upper = "".join(c.upper() if len(c.upper()) == 1 else c for c in term)
    lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    assert set(query_tokens(upper)) <= set(document_tokens(lower).split())


# --- on the database --------------------------------------------------------------


def test_words_of_every_kind(world):
    texts = [
        "3号楼2单元楼道漏水",
        "楼上卫生间漏水渗到楼下",
        "B2车库停车位被占用",
        "b2 区域噪音扰民",
        "空调冷凝水滴到阳台",
        "水",
        "电梯停运，已经持续两天了（3号楼）",
    ]
    rows = {t: file(world, t).pk for t in texts}
    cases = {
        "漏水": 2,  # 2 characters
        "水": None,  # 1 character
        "冷凝水": 1,  # rare
        "楼道漏水": 1,  # long
        "3号楼": 2,  # digit + Chinese
        "B2": None,  # Latin: case-sensitive on PostgreSQL, not on SQLite (as before)
        "燃气爆炸": 0,  # nowhere
        "，": 1,  # punctuation only: no token, plain substring search
        "持续两天了（3号楼）": 1,
    }
    for term, count in cases.items():
        got = found(world, term)
        assert got == old_search(world, term), term
        expected = [pk for t, pk in sorted(rows.items(), key=lambda kv: -kv[1]) if like(term, t)]
        assert [pk for pk in got if pk in rows.values()] == expected, term
        if count is not None:
            assert len([pk for pk in got if pk in rows.values()]) == count, term
    assert rows["B2车库停车位被占用"] in found(world, "B2")
    assert (rows["b2 区域噪音扰民"] in found(world, "B2")) == (connection.vendor == "sqlite")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_same_results_as_the_substring_search(world, data):
    """Random Chinese/Latin/mixed descriptions and terms (substrings of them, or any
    text): the search returns exactly what ``description__contains`` returns."""
    texts = data.draw(
        st.lists(
            st.text(alphabet=ALPHABET, min_size=1, max_size=30).filter(str.strip),
            min_size=1,
            max_size=5,
        )
    )
    made = {file(world, t).pk: t.strip() for t in texts}
    pick = data.draw(st.integers(0, len(texts) - 1))
    source = texts[pick].strip()
    i = data.draw(st.integers(0, len(source) - 1))
    j = data.draw(st.integers(i + 1, len(source)))
    terms = [source[i:j], data.draw(st.text(alphabet=ALPHABET, min_size=1, max_size=4))]
    for term in terms:
        if not term.strip():
            continue
        got = found(world, term)
        assert got == old_search(world, term)
        mine = {pk for pk, t in made.items() if like(term.strip(), t)}
        assert {pk for pk in got if pk in made} == mine
    assert source[i:j].strip() == "" or any(pk in made for pk in found(world, source[i:j]))


def test_one_statement_per_search_page(world, django_assert_num_queries):
    for n in range(25):
        file(world, f"{n}号楼漏水" if n % 2 else f"{n}号楼噪音扰民")
    scope = world.users["community_staff"].scope_set()
    # Once per process (and STATS_TTL) the index's statistics are read, on PostgreSQL.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
        list(selectors.request_list(scope=scope, filters=RequestFilters(q="漏水"))[:10])
    for term in ("漏水", "水", "噪音扰民", "燃气爆炸", "B2", "，", "3号楼"):
        qs = selectors.request_list(scope=scope, filters=RequestFilters(q=term))
        with django_assert_num_queries(1):
            rows, cursor = selectors.after_cursor(qs, None, 10)
            [(r.category.name, r.compound and r.compound.name, r.handling_org) for r in rows]
        if cursor:
            with django_assert_num_queries(1):
                selectors.after_cursor(qs, cursor, 10)


def test_search_is_scoped(world):
    mine = file(world, "楼道漏水")
    theirs = services.request_file(
        acting_user=world.users["street_b"],
        category=Category.objects.get(code="seepage"),
        description="楼道漏水",
        unit=world.unit_b,
        channel="window",
    )
    assert found(world, "漏水") == [mine.pk]
    assert theirs.pk not in found(world, "漏水")


def test_api_q(world):
    a = file(world, "3号楼楼道漏水")
    file(world, "3号楼电梯停运")
    resp = world.client("community_staff").get("/api/v1/requests", {"q": "漏水"})
    assert resp.status_code == 200
    assert [r["id"] for r in resp.json()["items"]] == [a.pk]


def test_admin_search_is_case_insensitive_as_before(world):
    a = file(world, "B2车库漏水")
    b = file(world, "b2 区域噪音")
    file(world, "别的事")
    client = world.client("community_staff")
    resp = client.get("/admin/requests/servicerequest/", {"q": "b2"})
    assert resp.status_code == 200
    assert {r.pk for r in resp.context["cl"].result_list} == {a.pk, b.pk}
    resp = client.get("/admin/requests/servicerequest/", {"q": "漏水 b2"})
    assert {r.pk for r in resp.context["cl"].result_list} == {a.pk}


def test_every_written_request_has_its_tokens(world):
    file(world, "楼道灯不亮，B2")
    for text, tokens in ServiceRequest.objects.values_list("description", "search_text"):
        assert tokens == document_tokens(text)


def test_backfill_migration_fills_missing_tokens(world):
    r1, r2 = file(world, "暖气片漏水"), file(world, "3号楼B2车位")
    ServiceRequest.objects.update(search_text="")
    migration = importlib.import_module(
        "redprop.requests.migrations.0007_backfill_search_text_and_gram_index"
    )
    migration.BATCH = 1  # several batches
    migration.backfill(django_apps, SimpleNamespace(connection=connection))
    for r in (r1, r2):
        r.refresh_from_db()
        assert r.search_text == document_tokens(r.description)
    assert found(world, "漏水") == [r1.pk]


def test_search_reindex_command(world):
    r = file(world, "暖气片漏水")
    ServiceRequest.objects.filter(pk=r.pk).update(search_text="")
    out = io.StringIO()
    call_command("search_reindex", stdout=out)
    assert "1" in out.getvalue()
    r.refresh_from_db()
    assert r.search_text == document_tokens("暖气片漏水")


# --- PostgreSQL: the index, its plan, and the case mapping of the server ------------


@on_postgres
def test_fold_agrees_with_the_servers_upper_case():
    """icontains compares UPPER(…) on the server: characters the server's upper case
    merges must be indexable alike and fold alike, or the admin's search could miss."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT chr(i), upper(chr(i)) FROM generate_series(1, 1114111) AS i "
            "WHERE i NOT BETWEEN 55296 AND 57343 AND upper(chr(i)) <> chr(i)"
        )
        pairs = cur.fetchall()
    assert len(pairs) > 1000
    bad = []
    for char, upper in pairs:
        a, b = fold(char), fold(upper)
        if (a.isalnum(), a) != (b.isalnum(), b) and (a.isalnum() or b.isalnum()):
            bad.append((char, upper, a, b))
    assert bad == []


def _plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for child in plan.get("Plans", []):
        out += _plan_nodes(child)
    return out


def _plan(qs: Any) -> dict[str, Any]:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        raw = cur.fetchone()[0]
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


@on_postgres
def test_explain_uses_the_index_for_rare_words_and_not_for_common_ones(world):
    """At a realistic size (40,000 requests; one word in 0.1 % of them) the planner
    reads the GIN index for a rare or absent word (two characters, one, or a phrase of
    common pairs), and walks the rows newest first, stopping at a page, for a common
    one. In a community's scope and in the whole city's."""
    template = file(world, "模板")
    texts = [
        "卫生间漏水渗到楼下，请尽快处理",
        "楼道灯不亮，请尽快处理",
        "厨房下水道堵塞",
        "车辆乱停堵塞通道",
        "楼上噪音扰民，请尽快处理",
        "垃圾清运不及时",
        "电梯按钮失灵",
        "暖气片漏水",
    ]
    rare = "空调冷凝水滴到阳台"
    columns = [
        f.column
        for f in ServiceRequest._meta.concrete_fields
        if f.column not in ("id", "description", "search_text")
    ]
    cols = ", ".join(columns)
    values = [(i, t, document_tokens(t)) for i, t in enumerate(texts)]
    values.append((len(texts), rare, document_tokens(rare)))
    n = 40_000
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO requests_servicerequest ({cols}, description, search_text) "  # noqa: S608 (column names from the model)
            f"SELECT {', '.join('r.' + c for c in columns)}, v.d, v.s "
            "FROM requests_servicerequest r, generate_series(1, %s) AS g, "
            "(SELECT (x->>0)::int AS k, x->>1 AS d, x->>2 AS s "
            "   FROM jsonb_array_elements(%s::jsonb) AS x) AS v "
            "WHERE r.id = %s AND v.k = CASE WHEN g %% 1000 = 0 THEN %s ELSE g %% %s END",
            [n, json.dumps(values, ensure_ascii=False), template.pk, len(texts), len(texts)],
        )
        cur.execute("ANALYZE requests_servicerequest")
    stats = search.index_statistics(connection.alias, "requests_servicerequest")
    assert stats.rows >= n
    assert stats.frequencies["漏水"] == pytest.approx(2 / len(texts), rel=0.1)
    assert stats.min_frequency == min(stats.frequencies.values())
    assert "冷凝" not in stats.frequencies or stats.frequencies["冷凝"] < 0.01
    scopes = {
        "community": world.users["community_staff"].scope_set(),
        "city": world.users["housing_bureau"].scope_set(),
    }
    rare_terms = {"冷凝": n // 1000, "冷凝水": n // 1000, "爆炸": 0, "炸": 0, "漏水楼": 0}
    common_terms = ("漏水", "请尽快处理", "水")
    for name, scope in scopes.items():
        for term, count in rare_terms.items():
            qs = selectors.request_list(scope=scope, filters=RequestFilters(q=term))[:21]
            used = {node.get("Index Name") for node in _plan_nodes(_plan(qs))}
            assert search.INDEX_NAME in used, (name, term)
            assert len(list(qs)) == min(count, 21), (name, term)
        for term in common_terms:
            qs = selectors.request_list(scope=scope, filters=RequestFilters(q=term))[:21]
            nodes = _plan_nodes(_plan(qs))
            assert search.INDEX_NAME not in {node.get("Index Name") for node in nodes}
            assert "Sort" not in {node["Node Type"] for node in nodes}, (name, term)
            assert len(list(qs)) == 21


@on_postgres
def test_the_tsquery_is_in_the_statement_text_not_a_parameter(world):
    """A prepared statement's generic plan cannot see a parameter; the plan must
    follow the term, so the term's tsquery is part of the statement's text."""
    scope = world.users["community_staff"].scope_set()
    qs = selectors.request_list(scope=scope, filters=RequestFilters(q="冷凝水"))
    sql, params = qs.query.sql_with_params()
    assert "@@ '''冷凝水'''::tsquery" in sql
    assert all("'冷凝水'" not in str(p) for p in params)
    file(world, "空调冷凝水滴到阳台")
    with connection.cursor() as cur:
        cur.execute(sql, params)
        assert len(cur.fetchall()) == 1


@on_postgres
def test_the_index_in_the_database_is_the_one_the_search_queries():
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_indexdef(%s::regclass)", [search.INDEX_NAME])
        definition = cur.fetchone()[0]
    assert "USING gin" in definition
    assert search.INDEX_EXPRESSION in definition.replace("::text", "")
