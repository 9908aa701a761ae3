use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{ASSETS_DIR_ENV, Asset, AssetError, AssetKind, MANIFEST_ENV, Manifest};

/// Where the manifest and the unpacked asset files are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub manifest: PathBuf,
    pub dir: PathBuf,
}

impl Location {
    /// The development tree: `models/manifest.toml` and `.cache/assets/` of the checkout this
    /// binary was built from, where `installer/setup.sh` puts them.
    pub fn dev_tree() -> Location {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
        let root = root.canonicalize().unwrap_or(root);
        Location { manifest: root.join("models/manifest.toml"), dir: root.join(".cache/assets") }
    }

    /// The installed layout around an executable, if its manifest exists: the .deb's
    /// (`<prefix>/bin/interview-kiosk` with `<prefix>/lib/interview-kiosk/{manifest.toml,assets/}`),
    /// a macOS bundle's (`Contents/MacOS/…` with `Contents/Resources/…`) or the Windows
    /// installers' (everything beside the executable). The files are always in `assets/` next
    /// to the manifest.
    pub fn installed_beside(exe: &Path) -> Option<Location> {
        let bin = exe.parent()?;
        let prefix = bin.parent();
        [prefix.map(|p| p.join("lib").join(INSTALLED_DIR)), prefix.map(|p| p.join("Resources")), Some(bin.to_owned())]
            .into_iter()
            .flatten()
            .map(|dir| Location { manifest: dir.join("manifest.toml"), dir: dir.join("assets") })
            .find(|location| location.manifest.is_file())
    }

    /// The location to use: the environment overrides (both variables, or the manifest's own
    /// directory for the files); else the installed layout beside the running executable; else
    /// the development tree.
    pub fn resolve() -> Location {
        let installed = std::env::current_exe().ok().and_then(|exe| Location::installed_beside(&exe));
        Self::resolve_from(
            std::env::var_os(MANIFEST_ENV).map(PathBuf::from),
            std::env::var_os(ASSETS_DIR_ENV).map(PathBuf::from),
            installed,
        )
    }

    fn resolve_from(manifest: Option<PathBuf>, dir: Option<PathBuf>, installed: Option<Location>) -> Location {
        match (manifest, dir) {
            (Some(manifest), Some(dir)) => Location { manifest, dir },
            (Some(manifest), None) => {
                let dir = manifest.parent().map(Path::to_owned).unwrap_or_default();
                Location { manifest, dir }
            }
            (None, Some(dir)) => Location { manifest: installed.unwrap_or_else(Location::dev_tree).manifest, dir },
            (None, None) => installed.unwrap_or_else(Location::dev_tree),
        }
    }
}

/// The package's directory under `<prefix>/lib`.
pub const INSTALLED_DIR: &str = "interview-kiosk";

/// The outcome of checking one asset.
#[derive(Debug)]
pub struct AssetCheck {
    pub asset: Asset,
    pub path: PathBuf,
    pub result: Result<(), AssetError>,
}

/// An asset whose bytes were just checked against the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedAsset {
    pub name: String,
    pub version: String,
    pub path: PathBuf,
}

/// The manifest together with the directory its files live in.
#[derive(Clone, Debug)]
pub struct AssetStore {
    location: Location,
    manifest: Manifest,
}

impl AssetStore {
    pub fn open(location: Location) -> Result<AssetStore, AssetError> {
        let text = std::fs::read_to_string(&location.manifest).map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                AssetError::ManifestNotFound { looked_in: location.manifest.display().to_string() }
            } else {
                AssetError::ManifestUnreadable { path: location.manifest.clone(), source }
            }
        })?;
        let manifest = Manifest::parse(&text, &location.manifest)?;
        tracing::debug!(assets = manifest.assets.len(), dir = %location.dir.display(), "asset manifest loaded");
        Ok(AssetStore { location, manifest })
    }

    /// Opens the store at [`Location::resolve`].
    pub fn locate() -> Result<AssetStore, AssetError> {
        Self::open(Location::resolve())
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Checks one asset's size and sha256 and returns its path. Call this right before loading
    /// the file, so what is loaded is what was checked.
    pub fn verify(&self, name: &str) -> Result<VerifiedAsset, AssetError> {
        let asset = self.manifest.get(name).ok_or_else(|| AssetError::UnknownAsset(name.to_owned()))?;
        let path = self.location.dir.join(&asset.file);
        check_file(asset, &path)?;
        Ok(VerifiedAsset { name: asset.name.clone(), version: asset.version.clone(), path })
    }

    /// Checks every asset the app loads (not conversion sources or test fixtures); one bad asset
    /// does not stop the others.
    pub fn verify_all(&self) -> Vec<AssetCheck> {
        self.manifest
            .assets
            .iter()
            .filter(|asset| !matches!(asset.kind, AssetKind::Source | AssetKind::Fixture))
            .map(|asset| {
                let path = self.location.dir.join(&asset.file);
                let result = check_file(asset, &path);
                if let Err(error) = &result {
                    tracing::warn!(asset = %asset.name, %error, "asset failed verification");
                }
                AssetCheck { asset: asset.clone(), path, result }
            })
            .collect()
    }
}

fn check_file(asset: &Asset, path: &Path) -> Result<(), AssetError> {
    let io_error = |source: io::Error| {
        if source.kind() == io::ErrorKind::NotFound {
            AssetError::Missing { file: path.to_owned() }
        } else {
            AssetError::Io { file: path.to_owned(), source }
        }
    };
    let mut file = File::open(path).map_err(io_error)?;
    let actual_size = file.metadata().map_err(io_error)?.len();
    if actual_size != asset.size {
        return Err(AssetError::SizeMismatch { file: path.to_owned(), expected: asset.size, actual: actual_size });
    }
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(io_error)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    let actual = hex::encode(hasher.finalize());
    if actual != asset.sha256 {
        return Err(AssetError::ChecksumMismatch { file: path.to_owned(), expected: asset.sha256.clone(), actual });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use interview::UserFacing;

    use super::*;

    /// A store in a temp dir whose single asset is `content`, pinned by its real checksum.
    fn store_with(content: &[u8]) -> (tempfile::TempDir, AssetStore) {
        let dir = tempfile::tempdir().unwrap();
        let sha = hex::encode(Sha256::digest(content));
        let manifest = format!(
            r#"[[asset]]
name = "tiny"
version = "1"
kind = "model"
registry = "npm"
package = "tiny"
package_version = "1.0.0"
package_file = "tiny-1.0.0.tgz"
package_sha256 = "{sha}"
member = "package/tiny.onnx"
file = "tiny.onnx"
sha256 = "{sha}"
size = {size}
licence = "MIT"
card = "models/cards/tiny.md"
"#,
            size = content.len()
        );
        std::fs::write(dir.path().join("manifest.toml"), manifest).unwrap();
        std::fs::write(dir.path().join("tiny.onnx"), content).unwrap();
        let store =
            AssetStore::open(Location { manifest: dir.path().join("manifest.toml"), dir: dir.path().to_owned() })
                .unwrap();
        (dir, store)
    }

    #[test]
    fn verifies_the_pinned_bytes() {
        let (dir, store) = store_with(b"model weights");
        let verified = store.verify("tiny").unwrap();
        assert_eq!(verified.path, dir.path().join("tiny.onnx"));
        assert!(store.verify_all().iter().all(|c| c.result.is_ok()));
    }

    #[test]
    fn refuses_a_flipped_byte_and_names_the_file() {
        let (dir, store) = store_with(b"model weights");
        std::fs::write(dir.path().join("tiny.onnx"), b"model weighte").unwrap();
        let error = store.verify("tiny").unwrap_err();
        assert!(matches!(error, AssetError::ChecksumMismatch { .. }), "{error:?}");
        assert_eq!(error.code(), "assets.mismatch");
        assert!(error.user_message().en.contains("tiny.onnx"));
        assert!(error.user_message().zh_cn.contains("tiny.onnx"));
    }

    #[test]
    fn refuses_a_truncated_or_missing_file() {
        let (dir, store) = store_with(b"model weights");
        std::fs::write(dir.path().join("tiny.onnx"), b"model").unwrap();
        assert!(matches!(store.verify("tiny").unwrap_err(), AssetError::SizeMismatch { expected: 13, actual: 5, .. }));
        std::fs::remove_file(dir.path().join("tiny.onnx")).unwrap();
        let checks = store.verify_all();
        assert!(matches!(checks[0].result, Err(AssetError::Missing { .. })));
        assert!(matches!(store.verify("nope").unwrap_err(), AssetError::UnknownAsset(_)));
    }

    #[test]
    fn missing_manifest_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let error =
            AssetStore::open(Location { manifest: dir.path().join("manifest.toml"), dir: dir.path().to_owned() })
                .unwrap_err();
        assert_eq!(error.code(), "assets.manifest_not_found");
    }

    #[test]
    fn environment_overrides_resolve() {
        let m = PathBuf::from("/opt/ik/manifest.toml");
        assert_eq!(
            Location::resolve_from(Some(m.clone()), None, None),
            Location { manifest: m.clone(), dir: "/opt/ik".into() }
        );
        let d = PathBuf::from("/var/ik");
        assert_eq!(
            Location::resolve_from(Some(m.clone()), Some(d.clone()), None),
            Location { manifest: m, dir: d.clone() }
        );
        assert_eq!(Location::resolve_from(None, Some(d.clone()), None).dir, d);
        assert_eq!(Location::resolve_from(None, None, None), Location::dev_tree());
    }

    #[test]
    fn an_installed_layout_beside_the_executable_comes_before_the_development_tree() {
        let root = tempfile::tempdir().unwrap();
        let exe = root.path().join("usr/bin/interview-kiosk");
        assert_eq!(Location::installed_beside(&exe), None, "no manifest installed");
        let lib = root.path().join("usr/lib/interview-kiosk");
        std::fs::create_dir_all(lib.join("assets")).unwrap();
        std::fs::write(lib.join("manifest.toml"), "").unwrap();
        let installed = Location::installed_beside(&exe).unwrap();
        assert_eq!(installed, Location { manifest: lib.join("manifest.toml"), dir: lib.join("assets") });
        assert_eq!(Location::resolve_from(None, None, Some(installed.clone())), installed);
        // The environment still wins.
        let d = PathBuf::from("/var/ik");
        assert_eq!(Location::resolve_from(None, Some(d.clone()), Some(installed.clone())).manifest, installed.manifest);
        assert_eq!(Location::resolve_from(None, Some(d.clone()), Some(installed)).dir, d);
    }
}
