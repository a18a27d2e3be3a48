//! The model file: the whole pipeline (cleaning settings, tokenizer chain, vectorizer with
//! vocabulary and idf) and several heads (target name, sorted labels, linear model) in one file.
//!
//! Layout: an 8-byte magic, the format version (u32 LE), the payload length (u64 LE), a CRC-32
//! of the payload (u32 LE), then the payload: MessagePack (self-describing, so the tagged config
//! enums survive), raw in version 1, deflate-compressed from version 2 on, which also stores
//! weights as `f32` and leaves out the idf (derived from df): a third of version 1's size, so
//! the default model embedded in the binary stays small. Version 1 files still load. The magic
//! and version are read first, so a wrong, future-version, truncated or corrupt file is a named
//! error before any decoding starts, as fastText and tantivy do. Saving writes a temp file and
//! renames it over the target.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clean::CleanConfig;
use crate::ingest::AtomicFile;
use crate::model::{ClassWeight, Learner, LinearModel};
use crate::vectorize::Vectorizer;

/// The default model shipped in `models/`, compiled into the binary so that scoring works from
/// a fresh clone with nothing else (see models/MODEL_CARD.md for what it is).
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../models/default.stance");

/// How messages and reports name [`DEFAULT_MODEL`].
pub const DEFAULT_MODEL_NAME: &str = "<embedded default model>";

/// First bytes of every model file.
pub const MAGIC: &[u8; 8] = b"STANCEMB";
/// The version this build writes.
pub const FORMAT_VERSION: u32 = 2;
/// The oldest version this build still reads (a frozen fixture per version is in tests/).
pub const OLDEST_SUPPORTED_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 4;
/// Decompressed payloads larger than this are refused as corrupt (a bomb, not a model: shipped
/// models are tens of MB).
const MAX_PAYLOAD: u64 = 4 << 30;

/// Why a model file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a stance model file (bad magic bytes)", path.display())]
    NotAModel { path: PathBuf },
    #[error("{}: model format version {found} is newer than this build supports ({supported}); upgrade stance", path.display())]
    FutureVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{}: model format version {found} is older than the oldest supported ({oldest}); retrain the model", path.display())]
    TooOld {
        path: PathBuf,
        found: u32,
        oldest: u32,
    },
    #[error("{}: truncated model file ({got} bytes, expected {expected})", path.display())]
    Truncated {
        path: PathBuf,
        got: u64,
        expected: u64,
    },
    #[error("{}: corrupt model file: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot encode model: {0}")]
    Encode(String),
}

/// Facts about how a bundle was made, for `stance inspect` and the model card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingMeta {
    /// `stance` crate version that trained it.
    pub crate_version: String,
    pub seed: u64,
    /// Rows used to fit the vectorizer (all rows with text).
    pub rows: usize,
    /// Hex FNV-style fingerprint of the training texts and labels, to tell datasets apart.
    pub data_fingerprint: String,
    /// Data files and column settings, as given.
    pub data: Vec<String>,
    /// Free-form: cross-validation scores, search results, the command line.
    pub notes: serde_json::Value,
}

/// One prediction target sharing the bundle's features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub name: String,
    /// Sorted, unique; `model` class `c` is `labels[c]`.
    pub labels: Vec<String>,
    pub learner: Learner,
    pub class_weight: ClassWeight,
    pub model: LinearModel,
    /// Training rows per label (same order as `labels`).
    pub support: Vec<usize>,
}

/// A whole trained pipeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bundle {
    pub clean: CleanConfig,
    pub vectorizer: Vectorizer,
    pub heads: Vec<Head>,
    pub meta: TrainingMeta,
}

impl Bundle {
    /// The head called `name`.
    pub fn head(&self, name: &str) -> Option<&Head> {
        self.heads.iter().find(|h| h.name == name)
    }

    /// Encodes to the file format.
    ///
    /// # Errors
    /// [`BundleError::Encode`] if serialization fails (it does not for valid bundles).
    pub fn to_bytes(&self) -> Result<Vec<u8>, BundleError> {
        let raw = rmp_serde::to_vec_named(self).map_err(|e| BundleError::Encode(e.to_string()))?;
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, &raw).map_err(|e| BundleError::Encode(e.to_string()))?;
        let payload = z.finish().map_err(|e| BundleError::Encode(e.to_string()))?;
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// Decodes a model file's bytes; `path` only names the source in errors.
    ///
    /// # Errors
    /// Every way the bytes can be wrong, each a [`BundleError`] variant; never panics.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Bundle, BundleError> {
        let path = path.to_path_buf();
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(BundleError::NotAModel { path });
        }
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        // The version is judged before anything else, so a newer file says so even if this
        // build would misread the rest of its header.
        let version = Bundle::file_version(bytes).unwrap_or(FORMAT_VERSION);
        if version > FORMAT_VERSION {
            return Err(BundleError::FutureVersion {
                path,
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if version < OLDEST_SUPPORTED_VERSION {
            return Err(BundleError::TooOld {
                path,
                found: version,
                oldest: OLDEST_SUPPORTED_VERSION,
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(BundleError::Truncated {
                path,
                got: bytes.len() as u64,
                expected: HEADER_LEN as u64,
            });
        }
        let len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
        let expected = (HEADER_LEN as u64).saturating_add(len);
        if (bytes.len() as u64) < expected {
            return Err(BundleError::Truncated {
                path,
                got: bytes.len() as u64,
                expected,
            });
        }
        if (bytes.len() as u64) > expected {
            return Err(BundleError::Corrupt {
                path,
                reason: format!(
                    "{} trailing bytes after the payload",
                    bytes.len() as u64 - expected
                ),
            });
        }
        let payload = &bytes[HEADER_LEN..];
        if crc32fast::hash(payload) != u32_at(20) {
            return Err(BundleError::Corrupt {
                path,
                reason: "checksum mismatch".into(),
            });
        }
        let inflated;
        let payload = if version >= 2 {
            inflated = inflate(payload).map_err(|reason| BundleError::Corrupt {
                path: path.clone(),
                reason,
            })?;
            &inflated[..]
        } else {
            payload
        };
        let b: Bundle = rmp_serde::from_slice(payload).map_err(|e| BundleError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        b.validate()
            .map_err(|reason| BundleError::Corrupt { path, reason })?;
        Ok(b)
    }

    /// The embedded default model.
    ///
    /// # Errors
    /// Only if the build embedded a broken file (a test guards against it).
    pub fn default_model() -> Result<Bundle, BundleError> {
        Bundle::from_bytes(DEFAULT_MODEL, Path::new(DEFAULT_MODEL_NAME))
    }

    /// The format version in a model file's header (`None` if it does not start like one).
    pub fn file_version(bytes: &[u8]) -> Option<u32> {
        (bytes.len() >= 12 && &bytes[..8] == MAGIC)
            .then(|| u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")))
    }

    /// Reads a model file.
    ///
    /// # Errors
    /// I/O errors and every [`BundleError`] of [`Bundle::from_bytes`].
    pub fn load(path: impl AsRef<Path>) -> Result<Bundle, BundleError> {
        Bundle::load_with_version(path).map(|(b, _)| b)
    }

    /// Reads a model file, also returning the format version it was written in.
    ///
    /// # Errors
    /// As [`Bundle::load`].
    pub fn load_with_version(path: impl AsRef<Path>) -> Result<(Bundle, u32), BundleError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| BundleError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let b = Bundle::from_bytes(&bytes, path)?;
        Ok((b, Bundle::file_version(&bytes).unwrap_or_default()))
    }

    /// Writes a model file atomically (temp file + rename).
    ///
    /// # Errors
    /// Encoding and I/O errors.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), BundleError> {
        let path = path.as_ref();
        let io = |source| BundleError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = self.to_bytes()?;
        let f = AtomicFile::create(path).map_err(io)?;
        std::io::Write::write_all(&mut f.writer().map_err(io)?, &bytes).map_err(io)?;
        f.commit().map_err(io)
    }

    /// Cross-checks heads against the vectorizer: a hand-edited or mismatched file must fail
    /// here, not with an index panic while scoring.
    fn validate(&self) -> Result<(), String> {
        if self.heads.is_empty() {
            return Err("no heads".into());
        }
        let n = self.vectorizer.n_features();
        let mut names: Vec<&str> = self.heads.iter().map(|h| h.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err("two heads share a name".into());
        }
        for h in &self.heads {
            h.model
                .validate()
                .map_err(|e| format!("head {}: {e}", h.name))?;
            if h.model.n_features != n {
                return Err(format!(
                    "head {}: model has {} features, vectorizer {n}",
                    h.name, h.model.n_features
                ));
            }
            if h.labels.len() != h.model.n_classes {
                return Err(format!(
                    "head {}: {} labels for {} classes",
                    h.name,
                    h.labels.len(),
                    h.model.n_classes
                ));
            }
            if h.labels.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("head {}: labels not sorted and unique", h.name));
            }
        }
        Ok(())
    }
}

/// Decompresses a version-2 payload, refusing one that inflates past [`MAX_PAYLOAD`].
fn inflate(z: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(z)
        .take(MAX_PAYLOAD + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("compressed payload: {e}"))?;
    if out.len() as u64 > MAX_PAYLOAD {
        return Err(format!("payload inflates past {MAX_PAYLOAD} bytes"));
    }
    Ok(out)
}
