"""Run Varnish as the edge cache in front of the API, with the repository's VCL.

    python -m config.edge.varnish --listen 127.0.0.1:8080 --origin 127.0.0.1:8000 --workdir .edge

writes default.vcl with the origin's address into the working directory and replaces itself
with `varnishd -F` (foreground: honcho, the tests and the benchmark stop it with SIGTERM). It
runs as the current user (`-j none`), keeps its shared memory in the working directory and its
objects in memory (`-s malloc`): a restart starts with an empty cache. `make edge` runs it with
the API and the worker (Procfile.edge); the tests and `make bench --edge` use `command()`.
"""

import argparse
import glob
import os
import re
import shutil
import sys
from pathlib import Path

VCL = Path(__file__).with_name("default.vcl")
VMOD_DIRS = ("/usr/lib/*/varnish/vmods", "/usr/lib/varnish/vmods", "/usr/local/lib/varnish/vmods")
INSTALL_HINT = "apt-get install varnish varnish-modules (Debian's packages)"


def varnishd_path() -> str | None:
    """The varnishd binary (Debian installs it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("varnishd")
    if found:
        return found
    return "/usr/sbin/varnishd" if os.access("/usr/sbin/varnishd", os.X_OK) else None


def missing() -> str | None:
    """Why Varnish with the xkey vmod cannot run here, or None when it can."""
    if varnishd_path() is None:
        return f"varnishd is not installed ({INSTALL_HINT})"
    if not any(glob.glob(f"{d}/libvmod_xkey.so") for d in VMOD_DIRS):
        return f"the xkey vmod is not installed ({INSTALL_HINT})"
    return None


def vcl_for(origin: str) -> str:
    """The repository's VCL with its backend pointed at `origin` (host:port)."""
    host, _, port = origin.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--origin must be host:port, not {origin!r}")
    text = VCL.read_text()
    text, hosts = re.subn(r'\.host = "[^"]*";', f'.host = "{host}";', text, count=1)
    text, ports = re.subn(r'\.port = "[^"]*";', f'.port = "{port}";', text, count=1)
    assert hosts == ports == 1, "default.vcl has no backend .host/.port to point at the origin"
    return text


def command(*, listen: str, vcl: Path, workdir: Path, storage: str = "malloc,256m") -> list[str]:
    """The varnishd command line (foreground, as this user, shared memory in `workdir`)."""
    binary = varnishd_path()
    if binary is None:
        raise RuntimeError(missing() or "varnishd is missing")
    return [
        binary,
        "-F",  # foreground: the caller owns the process and stops it with SIGTERM
        "-j",
        "none",  # as the current user, no privilege separation: a developer's cache
        "-n",
        str(workdir.resolve()),
        "-a",
        listen,
        "-T",
        "127.0.0.1:0",  # the management interface on a free loopback port (varnishadm -n)
        "-f",
        str(vcl.resolve()),
        "-s",
        storage,
        "-p",
        "vcc_allow_inline_c=off",
    ]


def prepare(*, origin: str, workdir: Path) -> Path:
    """Write the VCL for `origin` into `workdir` (created); its path."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "default.vcl"
    path.write_text(vcl_for(origin))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="127.0.0.1:8080", help="address:port to serve on")
    parser.add_argument("--origin", default="127.0.0.1:8000", help="the API's host:port")
    parser.add_argument("--workdir", default=".edge", type=Path, help="varnishd's directory")
    parser.add_argument("--storage", default="malloc,256m", help="varnishd -s")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        sys.exit(f"Cannot start the edge cache: {reason}.")
    vcl = prepare(origin=args.origin, workdir=args.workdir)
    argv_ = command(listen=args.listen, vcl=vcl, workdir=args.workdir, storage=args.storage)
    sys.stdout.flush()
    os.execv(argv_[0], argv_)


if __name__ == "__main__":
    main()
