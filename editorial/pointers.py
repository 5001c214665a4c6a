"""JSON Pointers (RFC 6901) into a working copy's content, for comments on a part of it."""

from typing import Any

from treatments.documents.diff import LIST_RULES, SECTIONS, field_label

MAX_POINTER = 300


def pointer_tokens(pointer: str) -> list[str]:
    """The reference tokens of a pointer ("" is the whole document); ValueError when malformed."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError("A JSON Pointer starts with '/', e.g. /risks/items/2.")
    tokens = []
    for raw in pointer[1:].split("/"):
        if "~" in raw.replace("~0", "").replace("~1", ""):
            raise ValueError("In a JSON Pointer '~' is written ~0 and '/' is written ~1.")
        tokens.append(raw.replace("~1", "/").replace("~0", "~"))
    return tokens


def pointer_resolve(content: Any, pointer: str) -> Any:
    """The value `pointer` names in `content`; KeyError or ValueError when it names nothing."""
    node = content
    for token in pointer_tokens(pointer):
        if isinstance(node, dict):
            if token not in node:
                raise KeyError(token)
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or (token != "0" and token.startswith("0")):
                raise ValueError(f"{token!r} is not an index of a list.")
            index = int(token)
            if index >= len(node):
                raise KeyError(token)
            node = node[index]
        else:
            raise KeyError(token)
    return node


def pointer_problem(content: Any, pointer: str) -> str:
    """Why `pointer` does not name a part of `content`; empty when it does."""
    if len(pointer) > MAX_POINTER:
        return f"A pointer has at most {MAX_POINTER} characters."
    try:
        pointer_resolve(content, pointer)
    except ValueError as exc:
        return str(exc)
    except KeyError:
        return (
            f"{pointer} names no part of the working copy (e.g. /summary, /risks/items/0); "
            "check the index against the current version."
        )
    return ""


def pointer_label(pointer: str) -> str:
    """A reader's name of a pointed part: /risks/items/2 -> "risks › items › 3"."""
    if not pointer:
        return "the whole document"
    parts = []
    for token in pointer_tokens(pointer):
        parts.append(str(int(token) + 1) if token.isdigit() else token.replace("_", " "))
    return " › ".join(parts)


# A top-level part that is a section of its own is called by the section's title.
_SECTION_TITLES = {rule.parts[0]: rule.title for rule in SECTIONS if len(rule.parts) == 1}
_MAX_ITEM_NAME = 80


def part_label(content: Any, pointer: str) -> str:
    """A reader's name of a pointed part, from the document's own words.

    /risks/items/2 -> "Risks › Risk 3: <its name>", /procedure/steps/0/detail ->
    "Procedure and steps › Step 1: <its title> › Detail". Falls back to `pointer_label` when the
    pointer names nothing in `content` (a comment on a part that was removed since).
    """
    try:
        tokens = pointer_tokens(pointer)
    except ValueError:
        return pointer
    if not tokens:
        return "The whole document"
    words: list[str] = []
    node: Any = content
    schema_path: list[str] = []
    for position, token in enumerate(tokens):
        if isinstance(node, dict) and token in node:
            following = tokens[position + 1] if position + 1 < len(tokens) else ""
            # A list the next token indexes is said by its item's noun ("Risk 3"), not twice.
            said_by_noun = (
                position > 0
                and following.isdigit()
                and (token == "items" or (*schema_path, token) in LIST_RULES)
            )
            if not said_by_noun:
                words.append(
                    _SECTION_TITLES.get(token, field_label(token))
                    if position == 0
                    else field_label(token)
                )
            schema_path.append(token)
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            rule = LIST_RULES.get(tuple(schema_path))
            item = node[int(token)]
            noun = rule.noun if rule else "item"
            name = rule.label(item) if rule and isinstance(item, dict) else ""
            name = name if len(name) <= _MAX_ITEM_NAME else name[: _MAX_ITEM_NAME - 1] + "…"
            said = f"{noun[:1].upper()}{noun[1:]} {int(token) + 1}"
            words.append(f"{said}: {name}" if name else said)
            node = item
        else:
            return pointer_label(pointer)
    return " › ".join(words)
