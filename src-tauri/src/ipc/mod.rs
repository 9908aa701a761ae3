//! The types that cross IPC. They are defined here, once, and generated for TypeScript into
//! `ui/src/shared/bindings.ts`. Domain types never cross IPC themselves: each DTO carries only
//! what its window may see, so a role's screen cannot receive a field it must not show.

use interview::{Localized, UserFacing};
use serde::Serialize;
use specta::Type;

/// A sentence for a person in both interface languages; the UI shows the one in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
pub struct Text {
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    pub en: String,
}

impl From<Localized> for Text {
    fn from(value: Localized) -> Text {
        Text { zh_cn: value.zh_cn, en: value.en }
    }
}

/// The one error type of every command: a stable code and a sentence for the person. The
/// technical detail is logged by the backend, never sent to the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
pub struct IpcError {
    pub code: String,
    pub message: Text,
}

impl<E: UserFacing> From<E> for IpcError {
    fn from(error: E) -> IpcError {
        tracing::warn!(code = error.code(), detail = %error, "command failed");
        IpcError { code: error.code().to_owned(), message: error.user_message().into() }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    Runtime,
    Model,
}

/// One bundled component (the ONNX Runtime library, a model) and whether its bytes are the
/// pinned ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ComponentStatus {
    pub name: String,
    pub version: String,
    pub kind: ComponentKind,
    pub licence: String,
    /// `None` when verified; otherwise what is wrong, for a person.
    pub problem: Option<Text>,
}

/// What every window shows in its status bar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    /// The app's version, from the build.
    pub version: String,
    /// Where the vault, logs and recordings live (set with `--data-dir`).
    pub data_dir: String,
    /// The bundled components, each verified against the manifest; empty with
    /// `componentsError` set when the manifest itself cannot be read.
    pub components: Vec<ComponentStatus>,
    pub components_error: Option<Text>,
}
