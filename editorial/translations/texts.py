"""The translatable texts of a document, each addressed by a JSON Pointer, in document order.

Which strings are texts is decided from the contract (`treatments.documents.schema`), not
from a list kept here: a string field is a text when its type is one of the contract's
human-language text types, i.e. it passes the contract's text rule (`checked_text`:
ShortText, MediumText, TitleText, LongText and their non-empty forms). Slugs, language tags,
codes and code systems, enumerations, numbers, units (UCUM codes), URLs and dates have other
types and are never texts. A few strings of a text type are still not the translator's:

- `Coding.display`: the code system's own designation of the code, part of the code.
- `category.name`: the category's name, shared by every treatment in it; its names in other
  languages are edited on the category's page, and a document takes the one in its language
  (`treatments.documents.categories`).
- `unit_display` of an amount: a unit, derived from its UCUM code.
- `review.reviewer`: a person's name.
- `sources[].title`, `sources[].publisher`: a cited work is cited as it was published.
- `licence.name`: the name of a licence.

A string the contract derives from another one is not offered either (its own form follows
when the document is validated again): a step's 1.0 `quantity` beside its `quantity_ucum`,
and `safety.contraindications` / `safety.warning_signs` beside their `*_items`.
`texts_apply` empties such derived fields so that validation derives them from the
translated texts. Empty strings are not texts (there is nothing to translate).
"""

import copy
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple, Union

from pydantic import AfterValidator, BaseModel

from treatments.documents.schema import (
    CategoryRef,
    Coding,
    LicencePart,
    ReviewPart,
    SafetyPart,
    SourcePart,
    StepPart,
    TreatmentContent,
)
from treatments.documents.text import checked_text

# (model, field) pairs of a text type that are not the translator's (see the docstring).
NOT_TRANSLATED: frozenset[tuple[type[BaseModel], str]] = frozenset(
    {
        (Coding, "display"),
        (CategoryRef, "name"),
        (ReviewPart, "reviewer"),
        (SourcePart, "title"),
        (SourcePart, "publisher"),
        (LicencePart, "name"),
    }
)
NOT_TRANSLATED_NAMES = frozenset({"unit_display"})
# (model, derived field) -> the field it is derived from when that one is given.
DERIVED: dict[tuple[type[BaseModel], str], str] = {
    (StepPart, "quantity"): "quantity_ucum",
    (SafetyPart, "contraindications"): "contraindication_items",
    (SafetyPart, "warning_signs"): "warning_sign_items",
}


class Text(NamedTuple):
    """One translatable text: where it is (a JSON Pointer) and what it says."""

    pointer: str
    text: str


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _is_text(metadata: list[Any]) -> bool:
    return any(isinstance(m, AfterValidator) and m.func is checked_text for m in metadata)


def _visit(
    annotation: Any, metadata: list[Any], value: Any, pointer: str, empty: bool
) -> Iterator[Text]:
    if value is None:
        return
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        yield from _visit(base, [*extra, *metadata], value, pointer, empty)
    elif origin in (Union, types.UnionType):
        for option in typing.get_args(annotation):
            if option is not type(None):
                yield from _visit(option, metadata, value, pointer, empty)
                return
    elif origin is list and isinstance(value, list):
        (item,) = typing.get_args(annotation)
        for index, element in enumerate(value):
            yield from _visit(item, [], element, f"{pointer}/{index}", empty)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if isinstance(value, Mapping):
            yield from _walk(annotation, value, pointer, empty)
    elif annotation is str and isinstance(value, str) and (value or empty) and _is_text(metadata):
        yield Text(pointer, value)


def _walk(
    model: type[BaseModel], data: Mapping[str, Any], pointer: str, empty: bool
) -> Iterator[Text]:
    for name, field in model.model_fields.items():
        if name in NOT_TRANSLATED_NAMES or any(
            issubclass(model, owner) and name == field_name for owner, field_name in NOT_TRANSLATED
        ):
            continue
        derived_from = next(
            (src for (owner, f), src in DERIVED.items() if issubclass(model, owner) and f == name),
            None,
        )
        if derived_from is not None and data.get(derived_from):
            continue
        yield from _visit(
            field.annotation,
            list(field.metadata),
            data.get(name),
            f"{pointer}/{_escape(name)}",
            empty,
        )


def document_texts(content: Mapping[str, Any], *, empty: bool = False) -> list[Text]:
    """The translatable texts of a content document (or a frozen one), in document order.

    `empty=True` also lists the text fields that are empty (the places a text can go).
    """
    return list(_walk(TreatmentContent, content, "", empty))


def _parent(document: Any, pointer: str) -> tuple[Any, str | int]:
    tokens = [_unescape(t) for t in pointer.split("/")[1:]]
    node = document
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    last = tokens[-1]
    return node, int(last) if isinstance(node, list) else last


def _clear_derived(model: type[BaseModel], data: Any) -> None:
    """Empty every derived field whose source is given, so that validation derives it again."""
    if not isinstance(data, dict):
        return
    for (owner, name), source in DERIVED.items():
        if issubclass(model, owner) and data.get(source) and data.get(name):
            data[name] = [] if isinstance(data[name], list) else None
    for name, field in model.model_fields.items():
        for sub in _models_in(field.annotation):
            value = data.get(name)
            for item in value if isinstance(value, list) else [value]:
                _clear_derived(sub, item)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def texts_apply(content: Mapping[str, Any], texts: Mapping[str, str]) -> dict[str, Any]:
    """A copy of `content` with the text at each pointer replaced, derived fields emptied.

    Every pointer must be one of `document_texts(content, empty=True)`'s (KeyError otherwise).
    """
    known = {t.pointer for t in document_texts(content, empty=True)}
    unknown = sorted(set(texts) - known)
    if unknown:
        raise KeyError(unknown[0])
    result = copy.deepcopy(dict(content))
    for pointer, text in texts.items():
        parent, key = _parent(result, pointer)
        parent[key] = text
    _clear_derived(TreatmentContent, result)
    return result
