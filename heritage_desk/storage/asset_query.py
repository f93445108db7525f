"""AssetQuery to SQL: filters, text search, sort and paging stay in the database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from heritage_desk.core.model import DOUBT_BELOW, UNKNOWN_ARTIST, Field
from heritage_desk.core.names import parse_artist
from heritage_desk.core.query import AssetQuery, Sort
from heritage_desk.storage.doubts import current_doubt
from heritage_desk.storage.orm import ArtistRow, AssetRow, DoubtRow, FieldValueRow, SuggestionRow


def _has_field(field: Field, *conds: Any) -> sa.Exists:
    fv = aliased(FieldValueRow)
    return sa.exists().where(fv.asset_id == AssetRow.id, fv.field == field.value, *conds)


def needs_value(field: Field) -> Any:
    """SQL twin of core.model.needs_value: the asset has no value for `field`."""
    return ~has_value(field)


def has_value(field: Field) -> sa.Exists:
    """The asset has a value for `field` (the negation of needs_value)."""
    return _has_field(field)


def _assets_with(*conds: Any) -> Any:
    """AssetRow.id IN (the assets having a field row matching `conds`).

    Not a correlated EXISTS: that would probe every asset (a scan of 100,000 for a filter that
    matches 50); the IN list is read straight from the field_values indexes.
    """
    fv = FieldValueRow
    return AssetRow.id.in_(sa.select(fv.asset_id).where(*conds))


def _field_equals(field: Field, value: str) -> Any:
    fv = FieldValueRow
    return _assets_with(fv.field == field.value, fv.value == value)


class _ContainsIgnoringCase(sa.ColumnElement[bool]):
    """`expr` matches the LIKE `pattern` (escape "\\"), ignoring case.

    PostgreSQL: ILIKE. SQLite: a plain LIKE, which already ignores ASCII case, exactly what
    lower() folds there; Core's ilike would wrap both sides in lower() for nothing (costly
    on every row of a full-text scan).
    """

    inherit_cache = True
    type = sa.Boolean()
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)
        ("expr", InternalTraversal.dp_clauseelement),
        ("pattern", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, expr: Any, pattern: str) -> None:
        self.expr = expr
        self.pattern = sa.bindparam(None, pattern, type_=sa.Text())

    def self_group(self, against: Any = None) -> Any:
        # Already a predicate: no "= 1" appended where booleans are integers (SQLite).
        return self


@compiles(_ContainsIgnoringCase)
def _ci_default(element: _ContainsIgnoringCase, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.expr.ilike(element.pattern, escape="\\"), **kw)


@compiles(_ContainsIgnoringCase, "sqlite")
def _ci_sqlite(element: _ContainsIgnoringCase, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.expr.like(element.pattern, escape="\\"), **kw)


def contains_ignoring_case(expr: Any, text: str) -> Any:
    """`expr` contains `text` (LIKE wildcards in it escaped), ignoring case."""
    return _ContainsIgnoringCase(expr, like_pattern(text))


def pending_suggestion() -> sa.Exists:
    """An open (not rejected) suggestion for a field that is still unknown."""
    s = aliased(SuggestionRow)
    fv = aliased(FieldValueRow)
    return sa.exists().where(
        s.asset_id == AssetRow.id,
        s.rejected.is_(False),
        ~sa.exists().where(fv.asset_id == s.asset_id, fv.field == s.field),
    )


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with its wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _artist_filter(text: str) -> Any:
    """Written exactly so, or the same person with the same attribution (any spelling)."""
    ref = parse_artist(text)
    fv = FieldValueRow
    cond: Any = fv.value == text
    if ref.is_person:
        same_q = fv.qualifier.is_(None) if ref.qualifier is None else fv.qualifier == ref.qualifier
        cond = sa.or_(cond, sa.and_(fv.artist_id == _person_id(ref.key), same_q))
    return _assets_with(fv.field == Field.ARTIST.value, cond)


def _person_filter(text: str) -> Any:
    """The person `text` names, under any attribution (nothing for an anonymous culture)."""
    ref = parse_artist(text)
    if not ref.is_person:
        return sa.false()
    fv = FieldValueRow
    return _assets_with(fv.field == Field.ARTIST.value, fv.artist_id == _person_id(ref.key))


def _person_id(key: str) -> Any:
    """The artists row of the person with canonical `key`, as a scalar subquery."""
    return sa.select(ArtistRow.id).where(ArtistRow.key == key).scalar_subquery()


def where_clauses(q: AssetQuery) -> list[Any]:
    """The WHERE conditions of a query's filters and search."""
    out: list[Any] = []
    for flag, field in ((q.missing_artist, Field.ARTIST), (q.missing_date, Field.DATE)):
        if flag is not None:
            out.append(needs_value(field) if flag else has_value(field))
    if q.has_suggestions is not None:
        out.append(pending_suggestion() if q.has_suggestions else ~pending_suggestion())
    if q.reviewed is not None:
        fv = aliased(FieldValueRow)
        reviewed = sa.exists().where(fv.asset_id == AssetRow.id, fv.confirmed.is_(True))
        out.append(reviewed if q.reviewed else ~reviewed)
    if q.flagged is not None:
        out.append(has_value(Field.FLAG) if q.flagged else needs_value(Field.FLAG))
    if q.unknown_painter is not None:
        leads = unknown_painter_leads()
        out.append(leads if q.unknown_painter else ~leads)
    if q.possible_mistake is not None:
        doubted = sa.exists().where(current_doubt(), DoubtRow.recorded_probability < DOUBT_BELOW)
        out.append(doubted if q.possible_mistake else ~doubted)
    if q.artist:
        out.append(_artist_filter(q.artist))
    if q.person:
        out.append(_person_filter(q.person))
    for value, field in ((q.genre, Field.GENRE), (q.style, Field.STYLE), (q.medium, Field.MEDIUM)):
        if value:
            out.append(_field_equals(field, value))
    if q.text and q.text.strip():
        text = q.text.strip()
        fv = FieldValueRow
        in_fields = _assets_with(
            fv.field.in_([Field.TITLE.value, Field.ARTIST.value]),
            contains_ignoring_case(fv.value, text),
        )
        out.append(sa.or_(contains_ignoring_case(AssetRow.inventory_number, text), in_fields))
    return out


def _best_open_artist(*, unknown: bool) -> Any:
    """The highest probability among the asset's open artist suggestions: of "none of the
    painters I know" when `unknown`, else of the named painters."""
    s = aliased(SuggestionRow)
    is_unknown = s.value == UNKNOWN_ARTIST
    return (
        sa.select(sa.func.max(s.probability))
        .where(
            s.asset_id == AssetRow.id,
            s.field == Field.ARTIST.value,
            s.rejected.is_(False),
            is_unknown if unknown else ~is_unknown,
        )
        .scalar_subquery()
    )


def unknown_painter_leads() -> Any:
    """The artist is still unknown and "none of the painters I know" is its best suggestion."""
    unknown = _best_open_artist(unknown=True)
    named = sa.func.coalesce(_best_open_artist(unknown=False), -1.0)
    return sa.and_(needs_value(Field.ARTIST), unknown.is_not(None), unknown >= named)


def _top_probability() -> Any:
    """The confidence sort key: the best open named artist suggestion of an asset whose artist
    is still unknown; 0 where "none of the painters I know" leads; NULL (last) without any."""
    named = _best_open_artist(unknown=False)
    return sa.case(
        (_has_field(Field.ARTIST), sa.null()),
        (unknown_painter_leads(), sa.literal(0.0)),
        else_=named,
    )


def select_ids(q: AssetQuery) -> sa.Select[int]:
    """SELECT asset ids matching `q`, sorted and paged."""
    stmt = sa.select(AssetRow.id).where(*where_clauses(q))
    key: Any
    if q.sort in (Sort.TITLE, Sort.ARTIST):
        field = Field.TITLE if q.sort is Sort.TITLE else Field.ARTIST
        fv = aliased(FieldValueRow)
        stmt = stmt.outerjoin(fv, sa.and_(fv.asset_id == AssetRow.id, fv.field == field.value))
        key = sa.func.lower(fv.value)
        key = (key.desc() if q.descending else key.asc()).nulls_last()
    elif q.sort in (Sort.CONFIDENCE, Sort.UNCERTAINTY):
        top = _top_probability()
        # CONFIDENCE: most confident first; `descending` turns either order around.
        most_first = (q.sort is Sort.CONFIDENCE) != q.descending
        key = (top.desc() if most_first else top.asc()).nulls_last()
    elif q.sort is Sort.DOUBT:
        # Most doubted recorded artist first; works the model has not judged last.
        doubt = sa.select(DoubtRow.recorded_probability).where(current_doubt()).scalar_subquery()
        key = (doubt.desc() if q.descending else doubt.asc()).nulls_last()
    else:
        key = AssetRow.id.desc() if q.descending else AssetRow.id.asc()
    stmt = stmt.order_by(key, AssetRow.id)
    if q.offset:
        stmt = stmt.offset(q.offset)
    if q.limit is not None:
        stmt = stmt.limit(q.limit)
    return stmt


def select_count(q: AssetQuery) -> sa.Select[int]:
    """SELECT the number of assets matching `q`'s filters (sort and page ignored)."""
    return sa.select(sa.func.count()).select_from(AssetRow).where(*where_clauses(q))
