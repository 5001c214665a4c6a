"""Readable diffs: what changed between two documents, section by section, for people.

A pure function of two documents (frozen revisions or working-copy content); JSON Patch stays
the machine diff (`treatments.selectors.revision_diff`). Rules:

- Publication metadata (`schema_version`, `id`, `revision`, `published_at`, `links`) is not
  content: it never shows as a change.
- A missing key, `null`, `""`, `[]`, `false` and "not stated" say the same (nothing), so a
  revision frozen under an older schema does not show the fields added since as changes.
- Items of an ordered list are matched by what identifies them (a step by its title, a risk by
  its name, ...); an item left over on both sides in the same place (between the same
  neighbours), or elsewhere with most of its fields alike, is paired as changed (an edited title
  is a change, not a removal and an addition). Items whose relative order changed are moved.
- Values are given as text a reader understands: enum labels, "2–4 weeks", "yes"/"no".
"""

import enum
import functools
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from treatments.choices import TimeUnit

from .schema import TreatmentContent

# Not content: what a revision carries about its publication, and links added when served.
PUBLICATION_METADATA = frozenset({"schema_version", "id", "revision", "published_at", "links"})
# Values that say nothing; enum values that mean "the source says nothing" count as nothing too.
NOT_STATED = frozenset({"not_stated"})
Change = Literal["added", "removed", "changed", "moved"]
Path = tuple[str, ...]
# Leftover items are paired as "changed" when at least this share of their fields agree.
PAIRING_SIMILARITY = 0.5


@dataclass(frozen=True)
class ListRule:
    """How to read one ordered list: what identifies an item and how to name it."""

    key: Callable[[dict[str, Any]], Any]
    label: Callable[[dict[str, Any]], str]
    noun: str


def _get(*names: str) -> Callable[[dict[str, Any]], Any]:
    return lambda item: tuple(str(item.get(name) or "").strip().casefold() for name in names)


def _text(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda item: str(item.get(name) or "")


def _coding_label(item: dict[str, Any]) -> str:
    return _format_coding(item)


# Keyed by the list's path with list indexes left out.
LIST_RULES: dict[Path, ListRule] = {
    ("procedure", "steps"): ListRule(_get("title"), _text("title"), "step"),
    ("risks", "items"): ListRule(_get("name"), _text("name"), "risk"),
    ("recovery_rules",): ListRule(
        _get("activity_label", "restriction"), _text("activity_label"), "recovery rule"
    ),
    ("timeline",): ListRule(_get("kind", "label"), _text("label"), "timeline event"),
    ("mechanism",): ListRule(_get("subject"), _text("subject"), "mechanism note"),
    ("comparisons",): ListRule(_get("compared_with"), _text("compared_with"), "comparison"),
    ("sources",): ListRule(_get("title"), _text("title"), "source"),
    ("medications",): ListRule(_get("name", "drug_class"), _text("name"), "medication"),
    ("eligibility",): ListRule(_get("kind", "subject"), _text("explanation"), "criterion"),
    ("safety", "contraindication_items"): ListRule(_get("text"), _text("text"), "contraindication"),
    ("safety", "warning_sign_items"): ListRule(_get("text"), _text("text"), "warning sign"),
    ("codes",): ListRule(_get("system", "code"), _coding_label, "code"),
}


@dataclass(frozen=True)
class SectionRule:
    """A section of the readable diff: which top-level parts of the document it covers."""

    key: str
    title: str
    parts: tuple[str, ...]


SECTIONS: tuple[SectionRule, ...] = (
    SectionRule(
        "summary",
        "Summary",
        (
            "title",
            "slug",
            "language",
            "category",
            "summary",
            "overview",
            "classification",
            "call_to_action",
        ),
    ),
    SectionRule("mechanism", "How it works", ("mechanism", "comparisons")),
    SectionRule("eligibility", "Eligibility", ("eligibility",)),
    SectionRule("steps", "Procedure and steps", ("procedure",)),
    SectionRule("risks", "Risks", ("risks",)),
    SectionRule("recovery_rules", "Recovery rules", ("recovery_rules",)),
    SectionRule("timeline", "Timeline", ("timeline",)),
    SectionRule("course", "Course of treatment", ("course",)),
    SectionRule("medications", "Medications", ("medications",)),
    SectionRule("safety", "Safety", ("safety",)),
    SectionRule("review", "Clinical review", ("review",)),
    SectionRule(
        "sources", "Sources, attribution and licence", ("sources", "attribution", "licence")
    ),
    SectionRule("codes", "Codes", ("codes",)),
)
KNOWN_PARTS = frozenset(part for section in SECTIONS for part in section.parts)
OTHER = SectionRule("other", "Other fields", ())


@dataclass
class FieldChange:
    """One field whose readable value differs."""

    path: str  # a JSON pointer into the newer document (or the older one, if removed)
    label: str
    old: str | None
    new: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "label": self.label, "old": self.old, "new": self.new}


@dataclass
class ItemChange:
    """An item of an ordered list that was added, removed, changed or moved."""

    change: Change
    list_label: str
    noun: str
    label: str
    old_position: int | None
    new_position: int | None
    path: str
    fields: list[FieldChange] = field(default_factory=list)
    moved: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "list": self.list_label,
            "kind": self.noun,
            "label": self.label,
            # Positions are 1-based, as readers count.
            "old_position": self.old_position,
            "new_position": self.new_position,
            "path": self.path,
            # A changed item may have moved too; a "moved" item only moved.
            "moved": self.moved or self.change == "moved",
            "fields": [f.as_dict() for f in self.fields],
        }


@dataclass
class SectionDiff:
    """The changes of one section."""

    key: str
    title: str
    fields: list[FieldChange] = field(default_factory=list)
    items: list[ItemChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.items)

    def as_dict(self) -> dict[str, Any]:
        counts = {kind: 0 for kind in ("added", "removed", "changed", "moved")}
        for item in self.items:
            counts[item.change] += 1
        return {
            "key": self.key,
            "title": self.title,
            "changed": self.changed,
            "counts": {**counts, "fields": len(self.fields)},
            "fields": [f.as_dict() for f in self.fields],
            "items": [i.as_dict() for i in self.items],
        }


# --- labels of enum values and fields, read from the contract -----------------------------------


def _unwrap(annotation: Any) -> list[Any]:
    """The classes an annotation may hold (Optional, lists and Annotated taken apart)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple):
        return [c for arg in typing.get_args(annotation) for c in _unwrap(arg)]
    return [annotation]


@functools.cache
def enum_labels() -> dict[Path, dict[str, str]]:
    """Labels of enum values by the path of the field (list indexes left out)."""
    labels: dict[Path, dict[str, str]] = {}

    def walk(model: type[BaseModel], path: Path) -> None:
        for name, info in model.model_fields.items():
            for cls in _unwrap(info.annotation):
                if isinstance(cls, type) and issubclass(cls, enum.Enum):
                    choices = getattr(cls, "choices", None)
                    if choices:
                        labels[(*path, name)] = {str(v): str(label) for v, label in choices}
                elif isinstance(cls, type) and issubclass(cls, BaseModel):
                    walk(cls, (*path, name))

    walk(TreatmentContent, ())
    return labels


def _enum_label(path: Path, value: str) -> str:
    return enum_labels().get(path, {}).get(value, value)


def field_label(name: str) -> str:
    """`activity_label` -> "Activity label"; `quantity_ucum` -> "Quantity (UCUM)"."""
    words = name.replace("_ucum", " (UCUM)").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


# --- readable values ----------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or value == {}
        or value is False
        or (isinstance(value, str) and value in NOT_STATED)
    )


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


TIME_UNITS = frozenset(TimeUnit.values)


def _unit(path: Path, value: dict[str, Any], amount: str, key: str = "unit") -> str:
    """The unit as shown after `amount`: "1 day", "3 days", "10 mL"."""
    if "unit_display" in value:  # UCUM amounts say how their unit is shown
        return str(value["unit_display"] or "")
    unit = str(value.get(key) or "")
    if unit in TIME_UNITS and amount in ("1", "-1"):
        return unit  # the singular
    return _enum_label((*path, key), unit)


def _format_range(path: Path, value: dict[str, Any]) -> str:
    low, high = value.get("min"), value.get("max")
    if low is not None and high is not None:
        amount = _number(low) if low == high else f"{_number(low)}–{_number(high)}"
    elif low is not None:
        amount = f"at least {_number(low)}"
    elif high is not None:
        amount = f"up to {_number(high)}"
    else:
        amount = ""
    unit = _unit(path, value, amount.rsplit(" ", 1)[-1])
    text = f"{amount} {unit}".strip() if amount else f"{unit} (no number given)"
    if value.get("open_ended"):
        text += " or more"
    if value.get("approximate"):
        text = f"about {text}"
    of = value.get("of")
    return f"{text} of {of}" if of else text


def _format_window(path: Path, value: dict[str, Any]) -> str:
    start, end = value.get("start", 0), value.get("end")

    def when(offset: int) -> str:
        if offset == 0:
            return "the procedure"
        side = "after" if offset > 0 else "before"
        return f"{abs(offset)} {_unit(path, value, str(abs(offset)))} {side} the procedure"

    text = f"from {when(start)}" + (f" until {when(end)}" if end is not None else " onwards")
    if value.get("at_least"):
        text += " (at least)"
    if value.get("calendar_days"):
        text += " (calendar days)"
    return text


def _format_coding(value: dict[str, Any]) -> str:
    text = f"{value.get('code', '')} ({value.get('system', '')})"
    return f"{value['display']}: {text}" if value.get("display") else text


def _atom(path: Path, value: Any) -> str | None:
    """The text of a value shown as one field (a range, a window, a coding), or None."""
    if not isinstance(value, dict):
        return None
    if {"system", "code"} <= value.keys():
        return _format_coding(value)
    if path and path[-1] == "window" and "start" in value:
        return _format_window(path, value)
    if "unit" in value and ("min" in value or "max" in value):
        return _format_range(path, value)
    if "value" in value and "unit" in value:
        amount = _number(value["value"])
        return f"{amount} {_unit(path, value, amount)}"
    if "max_sessions" in value and "period" in value:
        period = _number(value["period"])
        unit = _unit(path, value, period, key="period_unit")
        return f"at most {value['max_sessions']} sessions per {period} {unit}"
    return None


def readable(path: Path, value: Any) -> str | None:
    """A value as a reader understands it; None for nothing."""
    if _blank(value):
        return None
    if value is True:
        return "yes"
    if isinstance(value, str):
        return _enum_label(path, value)
    if isinstance(value, int | float):
        return _number(value)
    atom = _atom(path, value)
    if atom is not None:
        return atom
    if isinstance(value, list):
        texts = [readable(path, v) for v in value]
        return "; ".join(t for t in texts if t is not None) or None
    if isinstance(value, dict):
        parts = [
            f"{field_label(k)}: {text}"
            for k, v in value.items()
            if (text := readable((*path, k), v)) is not None
        ]
        return "; ".join(parts) or None
    return str(value)


def leaves(base: Path, value: Any, path: Path = ()) -> dict[Path, str | None]:
    """The fields of a value (at `base` in the document) down to what is shown as one field.

    Keys are paths relative to `base`; values are readable text (None for nothing).
    """
    full = (*base, *path)
    if isinstance(value, dict) and _atom(full, value) is None:
        out: dict[Path, str | None] = {}
        for key, child in value.items():
            out.update(leaves(base, child, (*path, key)))
        return out
    return {path: readable(full, value)}


def _pointer(parts: Iterable[str | int]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _schema_path(parts: Sequence[str | int]) -> Path:
    return tuple(str(p) for p in parts if not isinstance(p, int))


# --- comparing ----------------------------------------------------------------------------------


def _field_changes(
    old: dict[Path, str | None], new: dict[Path, str | None], *, base: Sequence[str | int]
) -> list[FieldChange]:
    """The fields whose readable value differs, in the newer document's order."""
    changes = []
    for path in [*new, *(p for p in old if p not in new)]:
        before, after = old.get(path), new.get(path)
        if before != after:
            label = " › ".join(field_label(p) for p in path) or "Value"
            changes.append(FieldChange(_pointer([*base, *path]), label, before, after))
    return changes


def _similarity(old: dict[Path, str | None], new: dict[Path, str | None]) -> float:
    keys = {p for p in (*old, *new) if old.get(p) is not None or new.get(p) is not None}
    if not keys:
        return 1.0
    return sum(old.get(p) == new.get(p) for p in keys) / len(keys)


def _gaps(pairs: dict[int, int], size: int, *, old_side: bool) -> dict[int, int]:
    """For each unmatched index of one side: the old index of the matched item before it."""
    matched = set(pairs.values()) if old_side else set(pairs)
    gaps, last = {}, -1
    for index in range(size):
        if index in matched:
            last = index if old_side else pairs[index]
        else:
            gaps[index] = last
    return gaps


def _match(
    old: list[Any], new: list[Any], key: Callable[[Any], Any], flat: Callable[[Any], Any]
) -> list[tuple[int | None, int | None]]:
    """Pairs of (old index, new index): by identity, then leftovers in the same place, then
    leftovers that are alike; removed items are placed where they stood."""
    by_key: dict[Any, list[int]] = {}
    for i, item in enumerate(old):
        by_key.setdefault(key(item), []).append(i)
    pairs: dict[int, int] = {}  # new -> old
    for j, item in enumerate(new):
        candidates = by_key.get(key(item))
        if candidates:
            pairs[j] = candidates.pop(0)
    # An item replaced in place (between the same neighbours) is a change of that item.
    old_gaps = _gaps(pairs, len(old), old_side=True)
    for j, gap in _gaps(pairs, len(new), old_side=False).items():
        same_place = [i for i, g in old_gaps.items() if g == gap]
        if same_place:
            pairs[j] = same_place[0]
            del old_gaps[same_place[0]]
    left_old = sorted(old_gaps)
    for j in [j for j in range(len(new)) if j not in pairs]:
        best = max(left_old, key=lambda i: _similarity(flat(old[i]), flat(new[j])), default=None)
        if best is not None and _similarity(flat(old[best]), flat(new[j])) >= PAIRING_SIMILARITY:
            pairs[j] = best
            left_old.remove(best)
    result: list[tuple[int | None, int | None]] = [(pairs.get(j), j) for j in range(len(new))]
    matched = set(pairs.values())
    # Removed items go where they stood: after the item that preceded them in the old list.
    for i in (i for i in range(len(old)) if i not in matched):
        at = next((n + 1 for n, (o, _) in enumerate(result) if o == i - 1), None)
        if at is None:
            at = 0 if i == 0 else len(result)
        result.insert(at, (i, None))
    return result


def _stayed_in_order(pairs: list[tuple[int, int]]) -> set[int]:
    """Old indexes of the matched items that kept their relative order (a longest run)."""
    olds = [o for o, _ in sorted(pairs, key=lambda p: p[1])]
    # Longest increasing subsequence, O(n^2): lists hold at most 100 items.
    best: list[list[int]] = []
    for k, value in enumerate(olds):
        run: list[int] = []
        for m in range(k):
            if olds[m] < value and len(best[m]) > len(run):
                run = best[m]
        best.append([*run, value])
    longest: list[int] = []
    for run in best:
        if len(run) > len(longest):
            longest = run
    return set(longest)


def _list_changes(
    old: list[Any], new: list[Any], path: Sequence[str | int], rule: ListRule | None
) -> list[ItemChange]:
    schema_path = _schema_path(path)
    list_label = " › ".join(field_label(p) for p in schema_path)
    noun = rule.noun if rule else "item"

    def key(item: Any) -> Any:
        if rule is not None and isinstance(item, dict):
            return rule.key(item)
        return readable(schema_path, item)

    def label(item: Any) -> str:
        if rule is not None and isinstance(item, dict):
            return rule.label(item) or noun
        return readable(schema_path, item) or noun

    def flat(item: Any) -> dict[Path, str | None]:
        return (
            leaves(schema_path, item)
            if isinstance(item, dict)
            else {(): readable(schema_path, item)}
        )

    # Blank items of a list are not dropped: a list item is an item even when it says little.
    pairs = _match(old, new, key, flat)
    in_order = _stayed_in_order([(o, n) for o, n in pairs if o is not None and n is not None])
    changes = []
    for o, n in pairs:
        if o is None and n is not None:
            changes.append(
                ItemChange(
                    "added",
                    list_label,
                    noun,
                    label(new[n]),
                    None,
                    n + 1,
                    _pointer([*path, n]),
                    _field_changes({}, flat(new[n]), base=[*path, n]),
                )
            )
        elif n is None and o is not None:
            changes.append(
                ItemChange(
                    "removed",
                    list_label,
                    noun,
                    label(old[o]),
                    o + 1,
                    None,
                    _pointer([*path, o]),
                    _field_changes(flat(old[o]), {}, base=[*path, o]),
                )
            )
        elif o is not None and n is not None:
            fields = _field_changes(flat(old[o]), flat(new[n]), base=[*path, n])
            moved = o not in in_order
            if fields or moved:
                changes.append(
                    ItemChange(
                        "changed" if fields else "moved",
                        list_label,
                        noun,
                        label(new[n]),
                        o + 1,
                        n + 1,
                        _pointer([*path, n]),
                        fields,
                        moved,
                    )
                )
    return changes


def _is_item_list(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, dict) for v in value)


def _derived_string_list(path: Path, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """`safety.contraindications` repeats the texts of `contraindication_items` (1.1+)."""
    if path[:1] != ("safety",) or len(path) != 2:
        return False
    items = f"{path[1].removesuffix('s')}_items"
    return bool(old.get(items) or new.get(items))


def _compare(
    old: Any, new: Any, path: list[str | int], section: SectionDiff, old_parent: Any = None
) -> None:
    """Walk two values of the same part, adding field and item changes to the section."""
    schema_path = _schema_path(path)
    if isinstance(old, dict | None) and isinstance(new, dict | None) and (old or new):
        old_d, new_d = old or {}, new or {}
        if _atom(schema_path, old_d or new_d) is not None:
            before, after = readable(schema_path, old), readable(schema_path, new)
            if before != after:
                section.fields.append(
                    FieldChange(_pointer(path), _path_label(schema_path), before, after)
                )
            return
        for name in [*new_d, *(k for k in old_d if k not in new_d)]:
            if _derived_string_list((*schema_path, name), old_d, new_d):
                continue
            _compare(old_d.get(name), new_d.get(name), [*path, name], section)
        return
    if (_is_item_list(old) or _is_item_list(new)) or schema_path in LIST_RULES:
        section.items.extend(_list_changes(old or [], new or [], path, LIST_RULES.get(schema_path)))
        return
    before, after = readable(schema_path, old), readable(schema_path, new)
    if before != after:
        section.fields.append(FieldChange(_pointer(path), _path_label(schema_path), before, after))


def _path_label(path: Path) -> str:
    return " › ".join(field_label(p) for p in path) or "Value"


def content_part(document: dict[str, Any]) -> dict[str, Any]:
    """A document without its publication metadata."""
    return {k: v for k, v in document.items() if k not in PUBLICATION_METADATA}


def document_diff(old: dict[str, Any], new: dict[str, Any]) -> list[SectionDiff]:
    """Every section of the readable diff from `old` to `new`, in reading order.

    Either may be a frozen document, a served one or bare content; metadata is ignored. Sections
    with no change are included (`changed` is false), so a page can say "no change" per section.
    """
    before, after = content_part(old), content_part(new)
    sections = []
    for rule in SECTIONS:
        section = SectionDiff(rule.key, rule.title)
        for part in rule.parts:
            _compare(before.get(part), after.get(part), [part], section)
        sections.append(section)
    other = SectionDiff(OTHER.key, OTHER.title)
    unknown = [k for k in [*after, *before] if k not in KNOWN_PARTS]
    for part in dict.fromkeys(unknown):
        _compare(before.get(part), after.get(part), [part], other)
    if other.changed:
        sections.append(other)
    return sections


def document_diff_data(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """`document_diff` as JSON-ready data."""
    return [section.as_dict() for section in document_diff(old, new)]
