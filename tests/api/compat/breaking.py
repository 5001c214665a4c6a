"""Breaking changes between two OpenAPI 3.1 documents: what an older client would trip over.

A small checker of the rules the API promises (docs/reference/api-evolution.md); no maintained
Python diff tool covers OpenAPI 3.1 (oasdiff is a Go binary the environment does not have).
`breaking_changes(old, new)` lists, as sentences, every place where `new`:

- removes an operation (a method on a path);
- removes a parameter, makes an optional one required, or adds a required one;
- removes an enum value a client may send or may have been told about (anywhere), or adds a
  value to an enum the server sends (a client treating the vocabulary as closed fails on it);
- removes a response property, or stops always sending one (no longer `required`);
- removes a request-body property, makes an optional one required, or adds a required one;
- changes a type: a response value gains a type (`null`, say) or a request value loses one.

Schemas are compared structurally, following `$ref` in each document on its own, so renaming
a component is not a break; `allOf` members are merged, `oneOf`/`anyOf` compared by position.
"""

from collections.abc import Iterator
from typing import Any, Literal

Direction = Literal["request", "response"]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every breaking change from `old` to `new`, each as a sentence naming where it is."""
    return list(_operations(old, new))


def _operations(old: dict[str, Any], new: dict[str, Any]) -> Iterator[str]:
    for path, old_item in old.get("paths", {}).items():
        new_item = new.get("paths", {}).get(path)
        for method in METHODS:
            if method not in old_item:
                continue
            where = f"{method.upper()} {path}"
            if new_item is None or method not in new_item:
                yield f"{where}: the operation was removed"
                continue
            walker = _Walker(old, new)
            yield from walker.parameters(where, old_item, new_item, method)
            yield from walker.request_body(where, old_item[method], new_item[method])
            yield from walker.responses(where, old_item[method], new_item[method])


class _Walker:
    """Compares the schemas of one operation in two documents, each resolved in its own."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.seen: set[tuple[str, str, str]] = set()

    def _parameters(
        self, document: dict[str, Any], item: dict[str, Any], method: str
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """The operation's parameters by (name, location), path-level ones included."""
        found = {}
        for raw in [*item.get("parameters", []), *item[method].get("parameters", [])]:
            param = _resolve(document, raw)
            name = param["name"].lower() if param["in"] == "header" else param["name"]
            found[(name, param["in"])] = param
        return found

    def parameters(
        self, where: str, old_item: dict[str, Any], new_item: dict[str, Any], method: str
    ) -> Iterator[str]:
        old_params = self._parameters(self.old, old_item, method)
        new_params = self._parameters(self.new, new_item, method)
        for key, old_param in old_params.items():
            name = f"{key[1]} parameter {key[0]!r}"
            new_param = new_params.get(key)
            if new_param is None:
                yield f"{where}: the {name} was removed"
                continue
            if new_param.get("required") and not old_param.get("required"):
                yield f"{where}: the {name} became required"
            yield from self.schema(
                f"{where} {name}",
                old_param.get("schema", {}),
                new_param.get("schema", {}),
                "request",
            )
        for key, new_param in new_params.items():
            if key not in old_params and new_param.get("required"):
                yield f"{where}: a required {key[1]} parameter {key[0]!r} was added"

    def request_body(
        self, where: str, old_op: dict[str, Any], new_op: dict[str, Any]
    ) -> Iterator[str]:
        old_body = _resolve(self.old, old_op.get("requestBody"))
        new_body = _resolve(self.new, new_op.get("requestBody"))
        if not new_body:
            return
        if not old_body:
            if new_body.get("required"):
                yield f"{where}: a required request body was added"
            return
        for media, old_media in old_body.get("content", {}).items():
            new_media = new_body.get("content", {}).get(media)
            if new_media is None:
                yield f"{where}: the request body no longer accepts {media}"
                continue
            yield from self.schema(
                f"{where} request body",
                old_media.get("schema", {}),
                new_media.get("schema", {}),
                "request",
            )

    def responses(
        self, where: str, old_op: dict[str, Any], new_op: dict[str, Any]
    ) -> Iterator[str]:
        for status, old_response in old_op.get("responses", {}).items():
            if not str(status).startswith("2"):
                continue
            new_response = _resolve(self.new, new_op.get("responses", {}).get(status))
            if new_response is None:
                yield f"{where}: the {status} response was removed"
                continue
            old_response = _resolve(self.old, old_response)
            for media, old_media in old_response.get("content", {}).items():
                new_media = new_response.get("content", {}).get(media)
                if new_media is None:
                    yield f"{where}: the {status} response no longer comes as {media}"
                    continue
                yield from self.schema(
                    f"{where} {status} response",
                    old_media.get("schema", {}),
                    new_media.get("schema", {}),
                    "response",
                )

    def schema(
        self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
    ) -> Iterator[str]:
        key = (old.get("$ref", ""), new.get("$ref", ""), direction)
        if key[0] and key[1]:
            if key in self.seen:
                return
            self.seen.add(key)
        old, new = _flatten(self.old, old), _flatten(self.new, new)
        yield from _types(where, old, new, direction)
        yield from _enums(where, old, new, direction)
        yield from self._properties(where, old, new, direction)
        for keyword in ("items", "additionalProperties"):
            if isinstance(old.get(keyword), dict) and isinstance(new.get(keyword), dict):
                yield from self.schema(f"{where}[]", old[keyword], new[keyword], direction)
        for keyword in ("oneOf", "anyOf"):
            for index, (old_sub, new_sub) in enumerate(
                zip(old.get(keyword, []), new.get(keyword, []), strict=False)
            ):
                yield from self.schema(f"{where} ({keyword} {index})", old_sub, new_sub, direction)

    def _properties(
        self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
    ) -> Iterator[str]:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name, old_prop in old_props.items():
            here = f"{where} property {name!r}"
            if name not in new_props:
                yield f"{here} was removed"
                continue
            if direction == "response" and name in old_required and name not in new_required:
                yield f"{here} is no longer always sent (dropped from required)"
            if direction == "request" and name in new_required and name not in old_required:
                yield f"{here} became required"
            yield from self.schema(here, old_prop, new_props[name], direction)
        if direction == "request":
            for name in sorted(new_required - set(old_props)):
                yield f"{where}: a required property {name!r} was added"


def _types(
    where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
) -> Iterator[str]:
    old_types, new_types = _type_set(old), _type_set(new)
    if not old_types or not new_types:
        return  # an untyped schema on either side says nothing checkable
    if direction == "response" and new_types - old_types:
        yield f"{where}: the type now also allows {sorted(new_types - old_types)}"
    if direction == "request" and old_types - new_types:
        yield f"{where}: the type no longer allows {sorted(old_types - new_types)}"


def _enums(
    where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
) -> Iterator[str]:
    if "enum" not in old or "enum" not in new:
        return
    old_values, new_values = _values(old["enum"]), _values(new["enum"])
    for value in old_values - new_values:
        yield f"{where}: the enum value {value!r} was removed"
    if direction == "response":
        for value in new_values - old_values:
            yield f"{where}: the enum value {value!r} was added to what the server sends"


def _values(values: list[Any]) -> set[Any]:
    return {repr(v) if isinstance(v, (dict, list)) else v for v in values if v is not None}


def _type_set(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    if declared is None:
        return set()
    types = {declared} if isinstance(declared, str) else set(declared)
    # OpenAPI 3.0's spelling of a null, which drf-spectacular wrote in early 3.1 documents.
    return types | {"null"} if schema.get("nullable") else types


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow `$ref`s (local ones) until a node that is not a reference."""
    hops = 0
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, hops = target, hops + 1
        assert hops < 50, "a $ref loop"
    return node


def _flatten(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema resolved, with its `allOf` members merged into it (properties, required)."""
    schema = dict(_resolve(document, schema) or {})
    members = schema.pop("allOf", [])
    if len(members) == 1 and not schema.get("properties") and "type" not in schema:
        # drf-spectacular's way of attaching a description to a `$ref`: the member is the schema.
        return {**_flatten(document, members[0]), **schema}
    for member in members:
        flat = _flatten(document, member)
        schema["properties"] = {**flat.get("properties", {}), **schema.get("properties", {})}
        schema["required"] = sorted(set(schema.get("required", [])) | set(flat.get("required", [])))
        for keyword in ("type", "enum", "items"):
            if keyword in flat and keyword not in schema:
                schema[keyword] = flat[keyword]
    return schema
