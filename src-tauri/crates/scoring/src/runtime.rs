//! ONNX Runtime, loaded once per process from the pinned library, and sessions for pinned models.
//! Every file is verified against `models/manifest.toml` right before it is loaded.

use std::sync::OnceLock;

use manifest::AssetStore;
use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::error::{Result, ScoringError};

/// The loaded runtime and where the models are.
#[derive(Clone)]
pub struct Runtime {
    env: Environment,
    store: std::sync::Arc<AssetStore>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("assets", &self.store.location()).finish_non_exhaustive()
    }
}

/// The dynamic library can be loaded once per process; later calls share the first result.
static ENVIRONMENT: OnceLock<std::result::Result<Environment, (std::path::PathBuf, String)>> = OnceLock::new();

impl Runtime {
    pub fn load(store: AssetStore) -> Result<Runtime> {
        let library = store.verify("onnxruntime")?;
        let env = ENVIRONMENT
            .get_or_init(|| {
                let path = library.path.clone();
                ort::init_from(&path)
                    .map_err(|e| (path.clone(), e.to_string()))?
                    .with_name("interview-kiosk")
                    .with_telemetry(false)
                    .build()
                    .map_err(|e| (path, e.to_string()))
            })
            .clone()
            .map_err(|(path, detail)| ScoringError::Runtime { path, detail })?;
        tracing::info!(version = %library.version, "ONNX Runtime loaded");
        Ok(Runtime { env, store: std::sync::Arc::new(store) })
    }

    /// The asset store the models come from.
    pub fn store(&self) -> &AssetStore {
        &self.store
    }

    /// A session for the pinned model `asset`, verified first, running on `threads` threads.
    pub fn session(&self, asset: &str, threads: usize) -> Result<Session> {
        let verified = self.store.verify(asset)?;
        let failed = |detail: String| ScoringError::Model { model: asset.to_owned(), detail };
        let builder = Session::builder(&self.env).map_err(|e| failed(e.to_string()))?;
        let builder =
            builder.with_optimization_level(GraphOptimizationLevel::Level3).map_err(|e| failed(e.to_string()))?;
        let builder = builder.with_intra_threads(threads).map_err(|e| failed(e.to_string()))?;
        let mut builder = builder.with_inter_threads(1).map_err(|e| failed(e.to_string()))?;
        let session = builder.commit_from_file(&verified.path).map_err(|e| failed(e.to_string()))?;
        Ok(session)
    }
}
