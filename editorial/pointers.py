"""JSON Pointers (RFC 6901) into a working copy's content, for comments on a part of it."""

from typing import Any

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
