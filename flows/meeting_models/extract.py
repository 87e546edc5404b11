"""Babel extraction of the texts in meeting model files.

In `babel.cfg`::

    [extractors]
    meeting_model = flows.meeting_models.extract:extract_meeting_model

    [meeting_model: flows/meeting_models/data/**.toml]

Each text comes with a comment naming the model and the field, and with the
line it stands on. A file that is not a valid model stops the extraction with
the same one-line message the bot would give.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

from flows.meeting_models import parse_model

ASKED_OF_CHILD = "Asked of a child or young person: use short, simple words."
BUTTON = "Shown on a button: keep it short."


def extract_meeting_model(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, None, str, list[str]]]:
    data = fileobj.read()
    name = getattr(fileobj, "name", None)
    model = parse_model(data, name if isinstance(name, str) else None)
    lines = _Lines(data.decode("utf-8"))
    for table, path, msgid in model.texts():
        comments = [f"{model.id}: {path}"]
        if len(table) == 4 and table[2] == "questions":
            if "child" in model.meeting_types[table[1]].questions[table[3]].roles:
                comments.append(ASKED_OF_CHILD)
            if ".choices." in path:
                comments.append(BUTTON)
        yield lines.find(table, msgid), None, msgid, comments


class _Lines:
    """Where each string literal of a TOML text stands: its line and its table."""

    def __init__(self, source: str):
        self.literals = _string_literals(source)
        self.used: set[int] = set()

    def find(self, table: tuple, value: str) -> int:
        """The line of the first unused literal with this value, in this table if possible; 0 if none."""
        for same_table in (True, False):
            for n, (line, where, literal) in enumerate(self.literals):
                if literal == value and n not in self.used and (where == table or not same_table):
                    self.used.add(n)
                    return line
        return next((line for line, _where, literal in self.literals if literal == value), 0)


def _string_literals(source: str) -> list[tuple[int, tuple, str]]:
    """(line, table, value) of each string literal, where `table` is the path of
    the table it is in, with the index of each array-of-tables element
    (``("meeting_types", 0, "steps", 2)``). A reader for the usual layout of
    these files, not a TOML parser: the file was parsed already, and anything
    it cannot place just gets line 0."""
    found: list[tuple[int, tuple, str]] = []
    counters: dict[str, int] = {}  # array-of-tables name -> current element
    table: tuple = ()
    i, line, depth, line_start = 0, 1, 0, True
    n = len(source)
    try:
        while i < n:
            c = source[i]
            if c == "\n":
                line, line_start = line + 1, True
                i += 1
            elif c in " \t\r":
                i += 1
            elif c == "#":
                i = _end_of_line(source, i)
            elif c == "[" and line_start and depth == 0:
                end = _end_of_line(source, i)
                table = _header(source[i:end].split("#")[0].strip(), counters)
                i = end
            elif c in "\"'":
                end = _end_of_string(source, i)
                raw = source[i:end]
                found.append((line, table, tomllib.loads(f"v = {raw}")["v"]))
                line += raw.count("\n")
                i, line_start = end, False
            else:
                depth += (c == "[") - (c == "]")
                i, line_start = i + 1, False
    except (ValueError, IndexError, tomllib.TOMLDecodeError):
        pass  # an unusual layout: what was found so far still helps
    return found


def _end_of_line(source: str, i: int) -> int:
    end = source.find("\n", i)
    return len(source) if end < 0 else end


def _header(header: str, counters: dict[str, int]) -> tuple:
    name = header.strip("[]").strip()
    parts = [part.strip().strip("\"'") for part in name.split(".")]
    name = ".".join(parts)
    if header.startswith("[["):
        counters[name] = counters.get(name, -1) + 1
        for child in [key for key in counters if key.startswith(name + ".")]:
            del counters[child]
    path: list = []
    for k, part in enumerate(parts):
        path.append(part)
        prefix = ".".join(parts[: k + 1])
        if prefix in counters:
            path.append(counters[prefix])
    return tuple(path)


def _end_of_string(source: str, i: int) -> int:
    """The index just past the string literal that starts at `i`."""
    quote = source[i]
    if source.startswith(quote * 3, i):
        j = i + 3
        while True:
            j = source.index(quote * 3, j)
            if quote == '"' and _escaped(source, j):
                j += 1
                continue
            end = j + 3
            while end < len(source) and source[end] == quote and end - j < 5:
                end += 1  # up to two quotes may end the content itself
            return end
    j = i + 1
    while source[j] != quote:
        if source[j] == "\n":
            raise ValueError("unterminated string")
        j += 2 if quote == '"' and source[j] == "\\" else 1
    return j + 1


def _escaped(source: str, j: int) -> bool:
    backslashes = 0
    while j - backslashes - 1 >= 0 and source[j - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1
