"""A small, exact subset of the Kusto Query Language (KQL), as Azure Resource Graph runs it.

Supported (everything else is refused with :class:`KqlError`, never answered approximately)::

    <table> [| <operator>]...
    table     resources | authorizationresources | resourcecontainers   (any casing)
    operator  where <expr>
              project <column> [, ...]        column: name | name = <expr> | a.b.c (-> a_b_c)
              extend name = <expr> [, ...]
              order by | sort by <expr> [asc | desc] [, ...]     (KQL's default order: desc)
              limit | take <int>
    expr      or / and / not(...), comparisons == != =~ !~ < <= > >=,
              has !has contains !contains startswith !startswith endswith,
              in (...) !in (...) in~ (...) !in~ (...),
              tolower() toupper() tostring() isempty() isnotempty() isnull() isnotnull(),
              'string' "string" integers true false, dynamic paths a.b['c'][0]

Semantics follow KQL: a missing path is null; a comparison with null is false; ``==`` is
case-sensitive, ``=~``/``in~``/``has``/``contains`` are not; ``has`` matches whole terms.

Why not an existing KQL implementation: duckdb-kql (KQL to DuckDB SQL on the official grammar)
is pre-alpha, needs Python >= 3.11 (this package supports 3.10), pins antlr4-python3-runtime
exactly and brings DuckDB into the emulator; loading the emulator's nested JSON into tables for
each query would cost more than evaluating this subset directly over it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["KqlError", "Query", "parse"]

Row = dict[str, Any]
Expr = Callable[[Row], Any]

TABLES = ("resources", "authorizationresources", "resourcecontainers")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<op>(?:!in~|in~|!in|!has|!contains|!startswith)(?![A-Za-z0-9_])
           |==|!=|=~|!~|<=|>=|[|,()=<>.\[\]])
  | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*)
  """,
    re.VERBOSE,
)
_WORD_OPS = {"has", "contains", "startswith", "endswith", "in", "!in"}


class KqlError(ValueError):
    """A query outside the supported subset (or not KQL at all)."""

    def __init__(self, message: str, *, token: str = "", position: int = -1) -> None:
        super().__init__(message)
        self.token = token
        self.position = position


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    found: list[_Tok] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise KqlError(f"unexpected character {text[pos]!r}", token=text[pos], position=pos)
        kind = match.lastgroup or ""
        value = match.group()
        if kind != "space":
            found.append(_Tok(kind, value, pos))
        pos = match.end()
    return found


@dataclass(frozen=True)
class _Sort:
    key: Expr
    descending: bool


@dataclass(frozen=True)
class Query:
    """A parsed query: its table and the operators to run over the table's rows."""

    table: str
    stages: tuple[Callable[[list[Row]], list[Row]], ...]

    def run(self, rows: Iterable[Row]) -> list[Row]:
        """The query's result over ``rows`` (the table; rows are not modified)."""
        result = list(rows)
        for stage in self.stages:
            result = stage(result)
        return result


def parse(text: str) -> Query:
    """Parse ``text``; :class:`KqlError` for anything outside the subset."""
    return _Parser(_tokens(text)).query()


class _Parser:
    def __init__(self, tokens: Sequence[_Tok]) -> None:
        self._toks = list(tokens)
        self._i = 0

    # -- token helpers -----------------------------------------------------------------------

    def _peek(self, offset: int = 0) -> _Tok | None:
        index = self._i + offset
        return self._toks[index] if index < len(self._toks) else None

    def _at(self, *texts: str) -> bool:
        tok = self._peek()
        return tok is not None and tok.text.lower() in texts

    def _next(self) -> _Tok:
        tok = self._peek()
        if tok is None:
            raise KqlError("unexpected end of query", token="<EOF>")
        self._i += 1
        return tok

    def _expect(self, text: str) -> _Tok:
        tok = self._next()
        if tok.text.lower() != text:
            raise _unexpected(tok, f"expected {text!r}")
        return tok

    # -- grammar ---------------------------------------------------------------------------

    def query(self) -> Query:
        first = self._next()
        if first.kind != "name" or first.text.lower() not in TABLES:
            raise _unexpected(first, f"a query starts with a table ({', '.join(TABLES)})")
        stages: list[Callable[[list[Row]], list[Row]]] = []
        while self._peek() is not None:
            self._expect("|")
            stages.append(self._operator())
        return Query(first.text.lower(), tuple(stages))

    def _operator(self) -> Callable[[list[Row]], list[Row]]:
        tok = self._next()
        word = tok.text.lower()
        if word == "where":
            predicate = self._expr()
            return lambda rows: [r for r in rows if predicate(r) is True]
        if word == "project":
            return self._project(keep_others=False)
        if word == "extend":
            return self._project(keep_others=True)
        if word in ("order", "sort"):
            self._expect("by")
            return self._order()
        if word in ("limit", "take"):
            count = self._next()
            if count.kind != "number" or "." in count.text:
                raise _unexpected(count, "limit takes a whole number")
            size = int(count.text)
            return lambda rows: rows[:size]
        raise KqlError(f"operator {tok.text!r} is not supported", token=tok.text, position=tok.pos)

    def _project(self, *, keep_others: bool) -> Callable[[list[Row]], list[Row]]:
        columns: list[tuple[str, Expr]] = []
        while True:
            start = self._peek()
            if start is None:
                raise KqlError("a column is expected", token="<EOF>")
            following = self._peek(1)
            if start.kind == "name" and following is not None and following.text == "=":
                self._i += 2
                columns.append((start.text, self._expr()))
            else:
                path = self._path_name()
                if path is not None and keep_others:
                    raise _unexpected(start, "extend needs name = expression")
                if path is None:
                    raise _unexpected(start, "project takes columns, or name = expression")
                columns.append(path)
            if not self._at(","):
                break
            self._next()
        if not self._end_of_operator():
            tok = self._peek()
            assert tok is not None
            raise _unexpected(tok, "expected ',' or '|'")

        def run(rows: list[Row]) -> list[Row]:
            out = []
            for row in rows:
                new: Row = dict(row) if keep_others else {}
                for name, expr in columns:  # extend: a column sees the ones before it
                    new[name] = expr(new if keep_others else row)
                out.append(new)
            return out

        return run

    def _path_name(self) -> tuple[str, Expr] | None:
        """A bare column or dotted path: ``(output column name, accessor)``."""
        start = self._i
        tok = self._peek()
        if tok is None or tok.kind != "name":
            return None
        names = [self._next().text]
        while self._at("."):
            self._next()
            part = self._next()
            if part.kind != "name":
                raise _unexpected(part, "a property name is expected after '.'")
            names.append(part.text)
        if not (self._at(",") or self._end_of_operator()):
            self._i = start
            return None
        return "_".join(names), _path(names)

    def _end_of_operator(self) -> bool:
        return self._peek() is None or self._at("|")

    def _order(self) -> Callable[[list[Row]], list[Row]]:
        keys: list[_Sort] = []
        while True:
            key = self._expr()
            descending = True
            if self._at("asc", "desc"):
                descending = self._next().text.lower() == "desc"
            keys.append(_Sort(key, descending))
            if not self._at(","):
                break
            self._next()

        def run(rows: list[Row]) -> list[Row]:
            ordered = list(rows)
            for sort in reversed(keys):  # stable sorts, last key first
                present = [r for r in ordered if sort.key(r) is not None]
                missing = [r for r in ordered if sort.key(r) is None]
                present.sort(key=functools.partial(_sort_key, sort.key), reverse=sort.descending)
                # KQL puts nulls first ascending, last descending
                ordered = present + missing if sort.descending else missing + present
            return ordered

        return run

    # -- expressions ---------------------------------------------------------------------------

    def _expr(self) -> Expr:
        left = self._and()
        while self._at("or"):
            self._next()
            right = self._and()
            left = _or(left, right)
        return left

    def _and(self) -> Expr:
        left = self._comparison()
        while self._at("and"):
            self._next()
            right = self._comparison()
            left = _and(left, right)
        return left

    def _comparison(self) -> Expr:
        left = self._value()
        tok = self._peek()
        if tok is None:
            return left
        op = tok.text.lower() if (tok.kind == "op" or tok.text.lower() in _WORD_OPS) else ""
        if op in ("in", "in~", "!in", "!in~"):
            self._next()
            return _membership(left, self._literal_list(), op)
        if op in _COMPARISONS:
            self._next()
            right = self._value()
            compare = _COMPARISONS[op]
            return lambda row: _null_safe(compare, left(row), right(row))
        return left

    def _literal_list(self) -> list[Any]:
        self._expect("(")
        values = [self._literal()]
        while self._at(","):
            self._next()
            values.append(self._literal())
        self._expect(")")
        return values

    def _literal(self) -> Any:
        tok = self._next()
        if tok.kind == "string":
            return _unquote(tok.text)
        if tok.kind == "number":
            return float(tok.text) if "." in tok.text else int(tok.text)
        if tok.text.lower() in ("true", "false"):
            return tok.text.lower() == "true"
        raise _unexpected(tok, "a literal is expected")

    def _value(self) -> Expr:
        tok = self._next()
        if tok.kind in ("string", "number") or tok.text.lower() in ("true", "false"):
            self._i -= 1
            constant = self._literal()
            return lambda row: constant
        if tok.text == "(":
            inner = self._expr()
            self._expect(")")
            return inner
        if tok.kind != "name":
            raise _unexpected(tok, "a value is expected")
        if self._at("("):
            return self._call(tok)
        names: list[str | int] = [tok.text]
        while self._at(".", "["):
            if self._next().text == ".":
                part = self._next()
                if part.kind != "name":
                    raise _unexpected(part, "a property name is expected after '.'")
                names.append(part.text)
            else:
                index = self._literal()
                if not isinstance(index, (str, int)) or isinstance(index, bool):
                    raise KqlError("an index is a string or an integer", token=str(index))
                names.append(index)
                self._expect("]")
        return _path(names)

    def _call(self, name: _Tok) -> Expr:
        function = _FUNCTIONS.get(name.text.lower())
        if function is None:
            raise KqlError(
                f"function {name.text!r} is not supported", token=name.text, position=name.pos
            )
        self._expect("(")
        argument = self._expr()
        self._expect(")")
        return lambda row: function(argument(row))


def _unexpected(tok: _Tok, why: str) -> KqlError:
    return KqlError(f"{why}; found {tok.text!r}", token=tok.text, position=tok.pos)


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _path(names: Sequence[str | int]) -> Expr:
    first = names[0]

    def get(row: Row) -> Any:
        value: Any = _column(row, str(first))
        for name in names[1:]:
            if isinstance(name, int):
                value = (
                    value[name]
                    if isinstance(value, list) and -len(value) <= name < len(value)
                    else None
                )
            elif isinstance(value, dict):
                value = value.get(name)
            else:
                return None
        return value

    return get


def _column(row: Row, name: str) -> Any:
    """Column names are case-sensitive in KQL, but ARG's own columns resolve any casing."""
    if name in row:
        return row[name]
    lowered = name.lower()
    return next((v for k, v in row.items() if k.lower() == lowered), None)


def _or(left: Expr, right: Expr) -> Expr:
    return lambda row: left(row) is True or right(row) is True


def _and(left: Expr, right: Expr) -> Expr:
    return lambda row: left(row) is True and right(row) is True


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _terms(text: str) -> set[str]:
    return {t for t in re.split(r"[^0-9a-z]+", text.lower()) if t}


def _has(a: Any, b: Any) -> bool:
    left, right = _text(a), _text(b)
    if left is None or right is None:
        return False
    wanted = right.lower()
    if not re.fullmatch(r"[0-9a-z]+", wanted):
        return wanted in left.lower()
    return wanted in _terms(left)


def _lower_eq(a: Any, b: Any) -> bool:
    left, right = _text(a), _text(b)
    return left is not None and right is not None and left.lower() == right.lower()


def _contains(a: Any, b: Any) -> bool:
    left, right = _text(a), _text(b)
    return left is not None and right is not None and right.lower() in left.lower()


def _startswith(a: Any, b: Any) -> bool:
    left, right = _text(a), _text(b)
    return left is not None and right is not None and left.lower().startswith(right.lower())


def _endswith(a: Any, b: Any) -> bool:
    left, right = _text(a), _text(b)
    return left is not None and right is not None and left.lower().endswith(right.lower())


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return op(a, b)
        if isinstance(a, str) and isinstance(b, str):
            return op(a, b)
        return False

    return compare


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "=~": _lower_eq,
    "!~": lambda a, b: not _lower_eq(a, b),
    "<": _ordered(lambda a, b: a < b),
    "<=": _ordered(lambda a, b: a <= b),
    ">": _ordered(lambda a, b: a > b),
    ">=": _ordered(lambda a, b: a >= b),
    "has": _has,
    "!has": lambda a, b: not _has(a, b),
    "contains": _contains,
    "!contains": lambda a, b: not _contains(a, b),
    "startswith": _startswith,
    "!startswith": lambda a, b: not _startswith(a, b),
    "endswith": _endswith,
}


def _null_safe(compare: Callable[[Any, Any], bool], a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    return compare(a, b)


def _membership(value: Expr, options: list[Any], op: str) -> Expr:
    insensitive = op.endswith("~")
    negated = op.startswith("!")
    if insensitive:
        wanted = {t.lower() for t in (_text(o) for o in options) if t is not None}
    else:
        wanted = set(options)

    def test(row: Row) -> bool:
        found = value(row)
        if found is None:
            return False
        if insensitive:
            text = _text(found)
            hit = text is not None and text.lower() in wanted
        else:
            hit = not isinstance(found, (dict, list)) and found in wanted
        return hit != negated

    return test


def _lower(value: Any) -> Any:
    text = _text(value)
    return None if text is None else text.lower()


def _upper(value: Any) -> Any:
    text = _text(value)
    return None if text is None else text.upper()


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def _not(value: Any) -> bool:
    return value is not True


_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "tolower": _lower,
    "toupper": _upper,
    "tostring": lambda v: "" if v is None else _text(v),
    "isempty": _is_empty,
    "isnotempty": lambda v: not _is_empty(v),
    "isnull": lambda v: v is None,
    "isnotnull": lambda v: v is not None,
    "not": _not,
}


def _sort_key(key: Expr, row: Row) -> tuple[int, Any]:
    return _sortable(key(row))


def _sortable(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, _text(value) or "")
