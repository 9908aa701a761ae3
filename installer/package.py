#!/usr/bin/env python3
"""Builds the .deb for offices with no internet (`make package`, `make package-test`).

The package holds the app, the pinned ONNX Runtime library and the converted models (only the
assets the app loads, checked against `models/manifest.toml` before they go in), the manifest the
app checks them against at start-up (`interview-kiosk selftest`), the model cards, and the
headless keyring helper. Its dependencies are the Debian packages of the libraries the binary
links (read from the ELF file, as dpkg-shlibdeps would) plus what it needs at run time: GStreamer
plugins for playback, the Secret Service daemon, the CJK font reports are set in.

Tauri's bundler (`tauri bundle`, which packages an already-built binary) writes the .deb; this
script feeds it the file list and dependencies, then writes `SHA256SUMS` for the .deb and every
bundled component and a detached Ed25519 signature of it (`SHA256SUMS.sig`, checked with the
public key next to it). The signing key comes from INTERVIEW_KIOSK_RELEASE_KEY (a PEM private
key); without it a throwaway key is made and the output says the package is test-signed.

Usage: installer/package.py [--debug] [--out DIR]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch_assets import load_manifest, sha256_of  # noqa: E402 (the installer's own module)

ROOT = Path(__file__).resolve().parent.parent
PREFIX_LIB = "/usr/lib/interview-kiosk"
DOC = "/usr/share/doc/interview-kiosk"
# Needed at run time but not linked: video playback in the staff window, the Secret Service that
# holds the vault key, the font reports are set in, the session bus the keyring is reached over.
# What the kiosk station's session runs on (cage, the Wayland kiosk compositor, which needs
# Xwayland; chvt from kbd): recommended, since a clerk's desk or the hub does not need them.
KIOSK_SESSION_RECOMMENDS = ["cage", "xwayland", "kbd"]

RUNTIME_DEPENDS = [
    "gstreamer1.0-plugins-base",
    "gstreamer1.0-plugins-good",
    "gnome-keyring",
    "dbus",
    "fonts-noto-cjk",
]


def shipped_assets() -> list[dict]:
    """The manifest's runtime libraries and models (not conversion inputs or test fixtures),
    each checked against its pinned checksum and size."""
    assets = [a for a in load_manifest(ROOT / "models/manifest.toml") if a["kind"] in ("runtime", "model")]
    for asset in assets:
        path = ROOT / ".cache/assets" / asset["file"]
        if not path.is_file():
            sys.exit(f"package: {path} is missing: run installer/setup.sh")
        if path.stat().st_size != asset["size"] or sha256_of(path) != asset["sha256"]:
            sys.exit(f"package: {path} does not match models/manifest.toml")
    return assets


def library_depends(binary: Path) -> list[str]:
    """The Debian packages owning the shared libraries `binary` links directly."""
    needed = [
        line.split()[-1]
        for line in subprocess.run(["objdump", "-p", str(binary)], check=True, capture_output=True, text=True).stdout.splitlines()
        if line.strip().startswith("NEEDED")
    ]
    cache = subprocess.run(["ldconfig", "-p"], check=True, capture_output=True, text=True).stdout.splitlines()
    packages = set()
    for lib in needed:
        path = next((l.rsplit("=>", 1)[1].strip() for l in cache if l.strip().startswith(lib + " ")), None)
        if path is None:
            sys.exit(f"package: {lib} (linked by {binary.name}) is not installed")
        # With merged /usr, dpkg may know the file under /lib or under /usr/lib.
        real = os.path.realpath(path)
        candidates = {path, real, real.removeprefix("/usr"), "/usr" + path if path.startswith("/lib") else path}
        owners = [subprocess.run(["dpkg", "-S", c], capture_output=True, text=True) for c in sorted(candidates)]
        owner = next((o.stdout for o in owners if o.returncode == 0), None)
        if owner is None:
            sys.exit(f"package: no Debian package owns {path}")
        packages.add(owner.split(":", 1)[0].strip())
    # The bundler itself declares WebKitGTK and GTK.
    return sorted(packages - {"libc6", "libgcc-s1", "libstdc++6", "libwebkit2gtk-4.1-0", "libgtk-3-0"}) + ["libc6", "libstdc++6"]


def sign(sums: Path, out: Path) -> bool:
    """Signs SHA256SUMS; returns whether the key was the release key (not a throwaway one)."""
    key = os.environ.get("INTERVIEW_KIOSK_RELEASE_KEY")
    release = bool(key)
    if not key:
        key = str(out / "test-signing-key.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True)
    public = out / "SHA256SUMS.pub.pem"
    subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", str(public)], check=True)
    signature = out / "SHA256SUMS.sig"
    subprocess.run(
        ["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", str(sums), "-out", str(signature)], check=True
    )
    subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(public), "-rawin", "-in", str(sums),
         "-sigfile", str(signature)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if not release:
        Path(key).unlink()
    return release


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--debug", action="store_true", help="package target/debug (tests) instead of a release build")
    parser.add_argument("--out", type=Path, default=ROOT / "target/package")
    parser.add_argument("--version", help="package version (default: tauri.conf.json's); the upgrade test makes a newer one")
    args = parser.parse_args()
    profile = "debug" if args.debug else "release"
    binary = ROOT / "target" / profile / "interview-kiosk"
    if not binary.is_file():
        sys.exit(f"package: {binary} is missing: build it first (make package does)")

    assets = shipped_assets()
    files = {f"{PREFIX_LIB}/manifest.toml": str(ROOT / "models/manifest.toml"),
             f"{PREFIX_LIB}/with-keyring": str(ROOT / "installer/with-keyring"),
             f"{DOC}/README.md": str(ROOT / "README.md"),
             f"{DOC}/UPGRADING.md": str(ROOT / "installer/UPGRADING.md"),
             # The kiosk station's session (installed disabled; README "Setting up a kiosk station").
             f"{PREFIX_LIB}/kiosk-session": str(ROOT / "installer/kiosk-session/kiosk-session"),
             "/usr/lib/systemd/system/interview-kiosk-station.service":
                 str(ROOT / "installer/kiosk-session/interview-kiosk-station.service"),
             "/usr/lib/sysusers.d/interview-kiosk-station.conf":
                 str(ROOT / "installer/kiosk-session/interview-kiosk-station.sysusers")}
    for asset in assets:
        files[f"{PREFIX_LIB}/assets/{asset['file']}"] = str(ROOT / ".cache/assets" / asset["file"])
        files[f"{DOC}/model-cards/{Path(asset['card']).name}"] = str(ROOT / asset["card"])
    depends = library_depends(binary) + RUNTIME_DEPENDS

    args.out.mkdir(parents=True, exist_ok=True)
    config = args.out / "tauri.package.json"
    overrides = {"bundle": {"linux": {"deb": {"depends": depends, "recommends": KIOSK_SESSION_RECOMMENDS,
                                              "files": files}}}}
    if args.version:
        overrides["version"] = args.version
    config.write_text(json.dumps(overrides, indent=2))
    bundle_dir = ROOT / "target" / profile / "bundle" / "deb"
    shutil.rmtree(bundle_dir, ignore_errors=True)
    command = [str(ROOT / "ui/node_modules/.bin/tauri"), "bundle", "--ci", "--bundles", "deb", "--config", str(config)]
    if args.debug:
        command.append("--debug")
    subprocess.run(command, cwd=ROOT, check=True)
    debs = sorted(bundle_dir.glob("*.deb"))
    if len(debs) != 1:
        sys.exit(f"package: expected one .deb in {bundle_dir}, found {debs}")
    for old in args.out.glob("*.deb"):
        old.unlink()
    # Debian's file name (the bundler names it after the product, with a space).
    control = subprocess.run(["dpkg-deb", "-f", str(debs[0]), "Package", "Version", "Architecture"],
                             check=True, capture_output=True, text=True).stdout
    fields = dict(line.split(": ", 1) for line in control.splitlines())
    deb = args.out / f"{fields['Package']}_{fields['Version']}_{fields['Architecture']}.deb"
    shutil.copy2(debs[0], deb)

    sums = args.out / "SHA256SUMS"
    lines = [f"{sha256_of(deb)}  {deb.name}"]
    lines += [f"{a['sha256']}  {PREFIX_LIB.lstrip('/')}/assets/{a['file']}" for a in assets]
    sums.write_text("\n".join(lines) + "\n")
    release = sign(sums, args.out)
    size = deb.stat().st_size / 1e6
    print(f"package: {deb} ({size:.1f} MB), {len(assets)} components; depends: {', '.join(depends)}")
    print(f"package: SHA256SUMS signed ({'release key' if release else 'TEST key — set INTERVIEW_KIOSK_RELEASE_KEY for a release'});"
          f" check with: openssl pkeyutl -verify -pubin -inkey SHA256SUMS.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig")


if __name__ == "__main__":
    main()
