"""Rules of the code's shape: no import cycles in the domain, one home per rule and writer."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "treatments"


def _python_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.py") if "migrations" not in p.parts]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """The treatments.* modules `path` imports, anywhere in it (a lazy import is a cycle too)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path.parent)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("treatments")}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _python_files(DOMAIN)}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            # `from treatments.x import y` names either module x.y or attribute y of x.
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + "."):
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_domain_modules_import_each_other_without_cycles() -> None:
    graph = _graph()
    assert "treatments.services.editing" in graph, "the module scan found the domain"
    cycle = _cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle) + ". Move the shared piece down."


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def _sources(*folders: str) -> dict[Path, str]:
    return {p: p.read_text() for f in folders for p in _python_files(ROOT / f)}


def test_nothing_in_the_domain_imports_rest_framework() -> None:
    offenders = [p for p, text in _sources("treatments").items() if "rest_framework" in text]
    assert offenders == [], "treatments/ is the domain; DRF belongs in api/"


def test_permission_rules_live_only_in_the_permission_policy() -> None:
    policy = DOMAIN / "permissions.py"
    pattern = re.compile(r"has_perm\(|\"treatments\.\w+_treatment\"|publish_treatment")
    offenders = [
        str(p.relative_to(ROOT))
        for p, text in _sources("treatments", "api").items()
        if p != policy and p.name != "catalog.py" and pattern.search(text)
    ]
    assert offenders == [], "ask treatments.permissions.can()/require() instead of has_perm"


def test_only_the_publication_hub_writes_published_data() -> None:
    writes = re.compile(
        r"\b(Publication|PublishedCategory|PublishedSlug|ChangeLogEntry)\.objects"
        r"(\.\w+\([^)]*\))*\.(create|update|update_or_create|get_or_create|bulk_create|delete)\("
    )
    hub = DOMAIN / "publication"
    offenders = [
        str(p.relative_to(ROOT))
        for p, text in _sources("treatments", "api").items()
        if hub not in p.parents and writes.search(text)
    ]
    assert offenders == [], "derived state is written by treatments.publication only"


# Which first-party rooms each room may import (a lower room never imports a higher one).
# events/ is a room above the domain and partners: the publication hub calls it through its
# hooks, so nothing in treatments/ or partners/ needs to import it.
ROOMS = ("treatments", "partners", "events", "api", "embed", "config", "bench", "editorial")
ROOM_MAY_IMPORT = {
    "treatments": set(),
    "partners": {"treatments"},
    "events": {"treatments", "partners"},
}


def _rooms_imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found & set(ROOMS)


def test_each_room_imports_only_the_rooms_below_it() -> None:
    offenders = []
    for room, allowed in ROOM_MAY_IMPORT.items():
        for path in _python_files(ROOT / room):
            upward = _rooms_imported(path) - allowed - {room}
            if upward:
                offenders.append(f"{path.relative_to(ROOT)} imports {sorted(upward)}")
    assert offenders == [], (
        "a lower room imports a higher one: " + "; ".join(offenders) + ". Call it through a "
        "hook (treatments.publication.publication_hooks) or move the shared piece down."
    )


def test_the_room_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from events.outbox import event_record\nimport treatments.models\n")
    assert _rooms_imported(module) == {"events", "treatments"}


def test_the_outbox_is_written_by_events_only() -> None:
    writes = re.compile(
        r"\b(OutboxEvent|HandlerRun)\.objects(\.\w+\([^)]*\))*\.(create|bulk_create)\("
    )
    offenders = [
        str(p.relative_to(ROOT))
        for p, text in _sources("treatments", "partners", "api", "events").items()
        if writes.search(text) and p.name not in {"outbox.py"}
    ]
    assert offenders == [], "events.outbox.event_record is the one writer of outbox events"
