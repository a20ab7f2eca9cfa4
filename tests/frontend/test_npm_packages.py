"""Installing package-lock.json's packages without Node.js."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from frontend import npm_packages
from frontend.npm_packages import Package, check_integrity, extract, locked_packages


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_the_lock_file_pins_the_browser_packages() -> None:
    packages = {p.name: p for p in locked_packages(npm_packages.ROOT / "package-lock.json")}
    assert {"hls.js", "axe-core"} <= set(packages)
    assert all(p.integrity.startswith("sha512-") for p in packages.values())
    assert packages["hls.js"].tarball_url("https://registry.npmjs.org/") == (
        f"https://registry.npmjs.org/hls.js/-/hls.js-{packages['hls.js'].version}.tgz"
    )
    assert Package("@scope/x", "1.0.0", "").tarball_url("https://r") == (
        "https://r/@scope/x/-/x-1.0.0.tgz"
    )


def test_a_tampered_tarball_is_refused() -> None:
    data = tarball({"package/index.js": b"ok"})
    check_integrity(data, integrity(data))
    with pytest.raises(ValueError, match="does not match"):
        check_integrity(data + b"x", integrity(data))
    with pytest.raises(ValueError, match="unsupported"):
        check_integrity(data, "md5-abc")


def test_extract_keeps_files_inside_the_package_folder(tmp_path: Path) -> None:
    data = tarball(
        {
            "package/package.json": b'{"version": "1.0.0"}',
            "package/dist/a.js": b"a",
            "package/../../escape.js": b"evil",
        }
    )
    target = tmp_path / "node_modules" / "demo"
    extract(data, target)
    assert (target / "dist" / "a.js").read_bytes() == b"a"
    assert npm_packages.installed_version(target) == "1.0.0"
    assert not list(tmp_path.rglob("escape.js"))


def test_main_installs_what_is_missing_from_a_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tarball({"package/package.json": b'{"version": "2.0.0"}'})
    lock = {
        "packages": {
            "": {},
            "node_modules/demo": {"version": "2.0.0", "integrity": integrity(data)},
        }
    }
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    (tmp_path / "registry" / "demo" / "-").mkdir(parents=True)
    (tmp_path / "registry" / "demo" / "-" / "demo-2.0.0.tgz").write_bytes(data)
    monkeypatch.setattr(npm_packages, "ROOT", tmp_path)
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", (tmp_path / "registry").as_uri())

    assert npm_packages.main(["--check"]) == 1
    assert npm_packages.main([]) == 0
    assert npm_packages.main(["--check"]) == 0
    assert npm_packages.installed_version(tmp_path / "node_modules" / "demo") == "2.0.0"
