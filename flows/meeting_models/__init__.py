"""Meeting models: data files that say how a kind of meeting goes.

Each file in `data/` (or in an organisation's own folder) holds one model in
TOML; `schema.py` says what may be in it. A model in a later folder replaces
the built-in model with the same id, so an organisation can adapt a model
without touching code::

    models = load_models("/etc/meetbot/models")
    systemic = models["systemic"]
    systemic.meeting_type("meeting").questions_for("child")
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from flows.meeting_models.schema import (
    COORDINATOR,
    RECORDS,
    Cadence,
    MeetingModel,
    MeetingType,
    Proposals,
    Question,
    Step,
)

__all__ = [
    "BUILTIN_DIR", "BUILTIN_ORDER", "COORDINATOR", "RECORDS",
    "Cadence", "MeetingModel", "MeetingType", "ModelError", "ModelRegistry", "Proposals", "Question", "Step",
    "builtin_models", "load_model", "load_models", "parse_model",
]

BUILTIN_DIR = Path(__file__).resolve().parent / "data"
BUILTIN_ORDER = ("systemic", "sip_follow_up", "family_group_conference", "danish_series", "startup")


class ModelError(Exception):
    """A model file that cannot be used, said in one line: ``file: where: what``."""

    def __init__(self, file: str, problem: str, where: str | None = None):
        self.file, self.problem, self.where = file, problem, where
        super().__init__(": ".join(part for part in (file, where, problem) if part))


def _location(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_PLAIN = {"missing": "required, but missing", "extra_forbidden": "unknown field"}


def _first_fault(filename: str, error: ValidationError) -> ModelError:
    errors = error.errors(include_url=False)
    first = errors[0]
    where, problem = _location(first["loc"]), first["msg"]
    if first["type"] == "model_fault":
        below = first["ctx"]["path"]
        where = f"{where}.{below}" if where else below
        problem = first["ctx"]["message"]
    elif first["type"] in _PLAIN:
        problem = _PLAIN[first["type"]]
    elif first["type"] == "value_error":
        problem = problem.removeprefix("Value error, ")
    if len(errors) > 1:
        problem += f" (and {len(errors) - 1} more fault{'s' if len(errors) > 2 else ''})"
    return ModelError(filename, problem, where or None)


def parse_model(data: bytes, filename: str | None = None) -> MeetingModel:
    """A model from a file's bytes. `filename` names it in errors, and its stem
    must be the model's id; without it the file is called "meeting model"."""
    label = filename or "meeting model"
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ModelError(label, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(label, f"not valid TOML: {exc}") from None
    try:
        model = MeetingModel.model_validate(raw)
    except ValidationError as exc:
        raise _first_fault(label, exc) from None
    if filename and model.id != (stem := Path(filename).stem):
        raise ModelError(label, f"{model.id!r} must equal the file name {stem!r}", "id")
    return model


def load_model(path: str | Path) -> MeetingModel:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(path.name, f"cannot be read ({exc.strerror})") from None
    return parse_model(data, path.name)


class ModelRegistry(Mapping[str, MeetingModel]):
    """The models by id: the built-in ones in their own order, then others by id."""

    def __init__(self, models: Iterable[MeetingModel]):
        rank = {model_id: i for i, model_id in enumerate(BUILTIN_ORDER)}
        ordered = sorted(models, key=lambda m: (rank.get(m.id, len(rank)), m.id))
        self._models = {model.id: model for model in ordered}

    def __getitem__(self, model_id: str) -> MeetingModel:
        return self._models[model_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._models)

    def __len__(self) -> int:
        return len(self._models)

    def __repr__(self) -> str:
        return f"ModelRegistry({', '.join(self._models)})"


def _load_dir(folder: Path) -> list[MeetingModel]:
    if not folder.is_dir():
        raise ModelError(str(folder), "no such folder of meeting models")
    return [load_model(path) for path in sorted(folder.glob("*.toml"))]


@cache
def builtin_models() -> ModelRegistry:
    return ModelRegistry(_load_dir(BUILTIN_DIR))


def load_models(*dirs: str | Path) -> ModelRegistry:
    """The built-in models, then each folder's in turn; a later model replaces one with the same id."""
    models = dict(builtin_models())
    for folder in dirs:
        models.update((model.id, model) for model in _load_dir(Path(folder)))
    return ModelRegistry(models.values())
