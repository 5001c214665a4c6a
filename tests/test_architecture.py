"""Rules of the code's shape: rooms import downward only, no import cycles, one home per rule.

The project is a house of rooms (top-level packages). `ROOMS` ranks them, lowest first; a
module may import its own room and rooms of a LOWER rank, never a higher one nor another room
of the same rank:

    treatments (0) < partners (1) < events (2) < editorial (3) < api (4) < embed (5)
        < config (6) < bench, manage (7)

- `treatments/` is the domain: models, services, selectors, documents. It imports no other room
  and no DRF.
- `partners/` is who may call the API and from where (keys, origins, their policy). It may use
  the domain.
- `events/` is the outbox and the task worker. The publication hub calls it through its hooks
  (`treatments.publication.publication_hooks`), so nothing below it imports it.
- `editorial/` is the editorial workflow above the domain: clinical review (four eyes),
  scheduled actions and releases, preview links. It plugs into the domain's publish gate
  (`treatments.services.publish_gate_register`) and uses the worker of `events/`.
- `api/` is the HTTP transport of both. Its shared read kit sits below the views that use it:
  `api/live/` (locate, remember and render live documents; the only receivers of
  `publication_changed` for read memories) and `api/v1/base.py` (the base of every public view).
- `embed/` (the HTML card) is served from the API's read path, so it sits above `api/`;
  `api/` never imports it (the oEmbed route is mounted in `config/urls.py`).
- `api/replica.py` routes the public read path's reads to a read replica when there is one;
  only the public read kit (`api/v1/base.py`, `api/v1/hot_reads.py`) enters it.
- `config/` wires rooms together (settings, URL map, servers); `bench/` and `manage.py` drive
  the whole.

A new room (e.g. `events/`, `editorial/`) gets a line in `ROOMS`: rank it above what it imports
and below what imports it; two rooms that must not know each other may share a rank. The scans
below are computed from the AST of every project module (tests and migrations aside), counting
imports inside functions too: a lazy import is still an arrow, and a cycle through it is still
a cycle.
"""

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "treatments"

# Rank of each room, lowest first. Extend when you add a top-level app or script.
ROOMS: dict[str, int] = {
    "treatments": 0,
    "partners": 1,
    "events": 2,
    "editorial": 3,
    "api": 4,
    "embed": 5,
    "config": 6,
    "bench": 7,
    "manage": 7,
}
# Not rooms of the house: tests and generated-client checks (they run the house from outside).
OUTSIDE = frozenset({"tests", "clients", "docs"})

# The modules that connect receivers to a signal, per signal. One owner each: a room that must
# react to a publication adds ITS one module here (say why in the module's docstring).
SIGNAL_RECEIVERS: dict[str, frozenset[str]] = {
    "publication_changed": frozenset({"api.live.receivers"}),
}


@dataclass(frozen=True)
class Import:
    """One import statement's target, as written (resolved to an absolute dotted name)."""

    module: str  # the module imported from (`a.b` in `from a.b import c`)
    names: tuple[str, ...]  # the names taken (`c`); empty for `import a.b`
    line: int


def _python_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.py") if "migrations" not in p.parts]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _project() -> dict[str, Path]:
    """Every module of the house by dotted name (tests, migrations and clients left out)."""
    modules = {}
    for path in ROOT.glob("*.py"):
        modules[_module_name(path)] = path
    for folder in ROOT.iterdir():
        if folder.is_dir() and (folder / "__init__.py").exists() and folder.name not in OUTSIDE:
            modules.update({_module_name(p): p for p in _python_files(folder)})
    return modules


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


def _imports_in(tree: ast.Module, *, package: str) -> list[Import]:
    """Every import in a module of `package`, anywhere in it (module level and in functions)."""
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, (), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append(Import(module, tuple(a.name for a in node.names), node.lineno))
    return found


def _imports(path: Path) -> list[Import]:
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return _imports_in(_tree(path), package=package)


def _resolve(imported: str, modules: dict[str, Path] | set[str]) -> str | None:
    """The project module `imported` names (`a.b.c` may be attribute c of module a.b)."""
    while imported and imported not in modules:
        imported = imported.rpartition(".")[0]
    return imported or None


def _targets(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    targets = set()
    for imp in _imports(path):
        # `from a.b import c` names module a.b.c when there is one, else attribute c of a.b.
        candidates = [f"{imp.module}.{n}" for n in imp.names] or [imp.module]
        for candidate in candidates:
            target = _resolve(candidate, modules)
            # An import of the package a module lives in is not an arrow of its own.
            if target and target != name and not name.startswith(target + "."):
                targets.add(target)
    return targets


@cache
def _graph() -> dict[str, frozenset[str]]:
    """Module -> the project modules it imports."""
    modules = _project()
    return {name: frozenset(_targets(name, path, modules)) for name, path in modules.items()}


def _cycle(graph: dict[str, frozenset[str]] | dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
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


def _room(module: str) -> str:
    return module.partition(".")[0]


def test_the_scan_finds_every_room() -> None:
    rooms = {_room(name) for name in _project()}
    assert {"treatments", "partners", "api", "embed", "config"} <= rooms, "the scan found the rooms"
    unranked = sorted(rooms - ROOMS.keys())
    assert unranked == [], f"rank the new room(s) {unranked} in ROOMS at the top of this test"


def test_modules_import_each_other_without_cycles() -> None:
    graph = _graph()
    assert "treatments.services.editing" in graph and "api.v1.views" in graph
    cycle = _cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle) + ". Move the shared piece down."


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_the_scan_sees_imports_inside_functions() -> None:
    tree = ast.parse("def get():\n    if True:\n        from .renditions import fhir\n")
    found = [(i.module, i.names) for i in _imports_in(tree, package="api.v1")]
    assert found == [("api.v1.renditions", ("fhir",))], "a lazy import is an arrow too"


def _upward(graph: dict[str, frozenset[str]]) -> list[str]:
    """The arrows from a room to a room that is not below it in ROOMS."""
    return sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        for target in targets
        if _room(target) != _room(name) and ROOMS[_room(target)] >= ROOMS[_room(name)]
    )


def test_rooms_import_only_lower_rooms() -> None:
    upward = _upward(_graph())
    assert upward == [], (
        "a room imports a room that is not below it (see ROOMS): "
        + ", ".join(upward)
        + ". Call it through a hook (treatments.publication.publication_hooks), move the "
        "shared piece down into the lower room, or wire the two together in config/."
    )


def test_the_room_check_sees_an_upward_import() -> None:
    graph = {
        "treatments.services.publishing": frozenset({"events.outbox", "treatments.models"}),
        "api.v1.views": frozenset({"treatments.selectors"}),
    }
    assert _upward(graph) == ["treatments.services.publishing -> events.outbox"]


def test_api_never_imports_embed() -> None:
    offenders = sorted(
        name
        for name, targets in _graph().items()
        if _room(name) == "api" and any(_room(t) == "embed" for t in targets)
    )
    assert offenders == [], "embed/ is built on api/, not the reverse; mount its URLs in config/"


# The modules that may send reads to the read replica (api/replica.py): the public read kit only,
# so that no editor, admin or write path reads a lagging replica by accident.
REPLICA_READERS = frozenset({"api.v1.base", "api.v1.hot_reads"})


def test_only_the_public_read_kit_reads_the_replica() -> None:
    entering = sorted(
        name
        for name, path in _project().items()
        for imp in _imports(path)
        if imp.module == "api.replica" and "public_reads" in imp.names
    )
    assert entering == sorted(REPLICA_READERS), (
        "only the public read kit (PublicView, the hot path) enters `public_reads`; build a "
        f"public view on api.v1.base.PublicView instead (found: {entering})"
    )


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_private_name_is_imported_from_another_module() -> None:
    modules = _project()
    offenders = []
    for name, path in modules.items():
        for imp in _imports(path):
            taken = [n for n in imp.names if _private(n)]
            dotted = [part for part in imp.module.split(".") if _private(part)]
            if (taken or dotted) and _resolve(imp.module, modules) != name:
                where = f"{path.relative_to(ROOT)}:{imp.line}"
                offenders.append(f"{where} takes {', '.join(taken or dotted)} from {imp.module}")
    assert offenders == [], (
        "a private name is used outside its module; if others need it, make it public and put "
        "it where its name says: " + "; ".join(offenders)
    )


def _connected_signals(tree: ast.Module) -> set[str]:
    """The signals a module connects receivers to (`@receiver(s)` or `s.connect(...)`)."""
    signals: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "receiver" and node.args:
            arguments = node.args[0]
            items = arguments.elts if isinstance(arguments, ast.List | ast.Tuple) else [arguments]
            signals.update(ast.unparse(item).rpartition(".")[2] for item in items)
        elif isinstance(func, ast.Attribute) and func.attr == "connect":
            signals.add(ast.unparse(func.value).rpartition(".")[2])
    return signals


def test_each_signal_has_its_one_receiver_module() -> None:
    connecting: dict[str, set[str]] = {signal: set() for signal in SIGNAL_RECEIVERS}
    for name, path in _project().items():
        for signal in _connected_signals(_tree(path)) & connecting.keys():
            connecting[signal].add(name)
    for signal, owners in SIGNAL_RECEIVERS.items():
        assert connecting[signal] == owners, (
            f"{signal} must be received only in {sorted(owners)}, found in "
            f"{sorted(connecting[signal])}: register the reaction in the owner module"
        )
        rooms = [_room(owner) for owner in owners]
        assert len(rooms) == len(set(rooms)), f"one receiver module per room for {signal}"


def test_the_receiver_scan_sees_both_ways_of_connecting() -> None:
    source = (
        "@receiver(publication_changed)\ndef f(**kw): ...\n"
        "signals.api_keys_changed.connect(f)\n"
        "@receiver([setting_changed, other])\ndef g(**kw): ...\n"
    )
    found = _connected_signals(ast.parse(source))
    assert found == {"publication_changed", "api_keys_changed", "setting_changed", "other"}


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
        r"\b(Publication|PublishedCategory|PublishedCategoryName|PublishedSlug|ChangeLogEntry)"
        r"\.objects"
        r"(\.\w+\([^)]*\))*\.(create|update|update_or_create|get_or_create|bulk_create|delete)\("
    )
    hub = DOMAIN / "publication"
    offenders = [
        str(p.relative_to(ROOT))
        for p, text in _sources("treatments", "api").items()
        if hub not in p.parents and writes.search(text)
    ]
    assert offenders == [], "derived state is written by treatments.publication only"


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
