"""Place the npm packages of package-lock.json into node_modules/, without Node.js.

The pages need hls.js (livestreams where the browser has no native HLS),
@noble/ed25519 with @noble/hashes (the board's signature check where the
browser has no WebCrypto) and @noble/curves with @noble/ciphers (encrypted
ballots on the phone and the tellers' page) and uqr (the QR code of a teller's
backup, drawn in the browser); the tests need axe-core. All
come from the npm registry, pinned with their integrity hashes in
package-lock.json; `npm ci` builds the same tree. This module does it with the
standard library so that `make install` works on a machine with only Python:

    python -m frontend.npm_packages            # install what is missing
    python -m frontend.npm_packages --check    # exit 1 if something is missing

The registry is https://registry.npmjs.org unless NPM_CONFIG_REGISTRY says
otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "node_modules/"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # "sha512-<base64>", as npm writes it

    def tarball_url(self, registry: str) -> str:
        basename = self.name.rsplit("/", 1)[-1]
        return f"{registry.rstrip('/')}/{self.name}/-/{basename}-{self.version}.tgz"


def locked_packages(lock_path: Path) -> list[Package]:
    lock = json.loads(lock_path.read_text())
    return [
        Package(path.removeprefix(PREFIX), entry["version"], entry["integrity"])
        for path, entry in lock["packages"].items()
        if path.startswith(PREFIX)
    ]


def installed_version(target: Path) -> str | None:
    try:
        return str(json.loads((target / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def check_integrity(data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in {"sha512", "sha384", "sha256"}:
        raise ValueError(f"unsupported integrity algorithm {algorithm!r}")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise ValueError("the downloaded tarball does not match package-lock.json")


def extract(data: bytes, target: Path) -> None:
    """Unpack the tarball's `package/` folder into `target`, refusing any path
    that would land outside it."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or len(parts) < 2 or ".." in parts or parts[0] == "/":
                continue
            destination = target.joinpath(*parts[1:])
            destination.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            assert source is not None  # a regular file
            destination.write_bytes(source.read())


def install(package: Package, modules: Path, registry: str) -> None:
    url = package.tarball_url(registry)
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read()
    check_integrity(data, package.integrity)
    target = modules / package.name
    extract(data, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report what is missing")
    args = parser.parse_args(argv)
    registry = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org")
    modules = ROOT / "node_modules"
    missing = [
        package
        for package in locked_packages(ROOT / "package-lock.json")
        if installed_version(modules / package.name) != package.version
    ]
    if args.check:
        for package in missing:
            print(f"missing: {package.name}@{package.version}", file=sys.stderr)
        return 1 if missing else 0
    for package in missing:
        try:
            install(package, modules, registry)
        except (OSError, ValueError, tarfile.TarError) as exc:
            print(f"Could not install {package.name}@{package.version}: {exc}", file=sys.stderr)
            return 1
        print(f"installed {package.name}@{package.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
