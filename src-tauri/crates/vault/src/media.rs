//! The encrypted media store. Every recording segment and still is one file under `media/`,
//! encrypted with its own random key in chunks (XChaCha20-Poly1305, STREAM construction), so a
//! ten-minute answer never sits whole in memory and a truncated or reordered file is detected.
//! The file key is wrapped by the vault's media key; the file's sha256 is recorded so
//! `vault check` can verify every file without decrypting it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::KeyInit;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{Result, VaultError};
use crate::files;
use crate::keys::{self, SecretKey};

const MAGIC: &[u8; 4] = b"IKM1";
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const NONCE_PREFIX: usize = 19;

/// A media file on its way to disk. Nothing is visible under its final name until
/// [`MediaWriter::finish`] has written, fsynced and renamed it.
pub struct MediaWriter {
    tmp: PathBuf,
    dest: PathBuf,
    file: File,
    key: SecretKey,
    encryptor: Option<EncryptorBE32<XChaCha20Poly1305>>,
    buffer: Vec<u8>,
    hasher: Sha256,
    plain_size: u64,
    /// Set once the file is under its final name; until then dropping the writer removes it.
    renamed: bool,
}

/// What was written: the row the database keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMedia {
    pub file: String,
    pub wrapped_key: Vec<u8>,
    pub sha256: [u8; 32],
    pub plain_size: u64,
}

impl std::fmt::Debug for MediaWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaWriter")
            .field("dest", &self.dest)
            .field("plain_size", &self.plain_size)
            .finish_non_exhaustive()
    }
}

impl MediaWriter {
    pub(crate) fn create(dir: &Path, name: &str) -> Result<MediaWriter> {
        std::fs::create_dir_all(dir).map_err(VaultError::io(dir))?;
        let dest = dir.join(name);
        // Named after the writing process, so that the next open can tell a dead writer's
        // leftover from a live one's (`files::remove_stale_temporaries`).
        let tmp = dir.join(format!(".{name}.{}{}", std::process::id(), files::PART_SUFFIX));
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(VaultError::io(&tmp))?;
        let key = SecretKey::random();
        let mut prefix = [0u8; NONCE_PREFIX];
        rand::rngs::OsRng.fill_bytes(&mut prefix);
        let mut hasher = Sha256::new();
        let header = [MAGIC.as_slice(), &prefix].concat();
        file.write_all(&header).map_err(VaultError::io(&tmp))?;
        hasher.update(&header);
        let cipher = XChaCha20Poly1305::new(key.expose().into());
        let encryptor = EncryptorBE32::from_aead(cipher, prefix.as_slice().into());
        Ok(MediaWriter {
            tmp,
            dest,
            file,
            key,
            encryptor: Some(encryptor),
            buffer: Vec::with_capacity(CHUNK),
            hasher,
            plain_size: 0,
            renamed: false,
        })
    }

    pub fn write(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            let take = (CHUNK - self.buffer.len()).min(data.len());
            self.buffer.extend_from_slice(&data[..take]);
            data = &data[take..];
            self.plain_size += take as u64;
            if self.buffer.len() == CHUNK {
                // A full chunk is sealed as "next"; `finish` seals whatever remains (possibly
                // nothing) as "last", so truncation at a chunk boundary is still detected.
                self.flush_chunk(false)?;
            }
        }
        Ok(())
    }

    fn flush_chunk(&mut self, last: bool) -> Result<()> {
        let encryptor = self.encryptor.as_mut().ok_or(VaultError::Crypto("writer finished"))?;
        let sealed = if last {
            let encryptor = self.encryptor.take().ok_or(VaultError::Crypto("writer finished"))?;
            encryptor.encrypt_last(self.buffer.as_slice())
        } else {
            encryptor.encrypt_next(self.buffer.as_slice())
        }
        .map_err(|_| VaultError::Crypto("media encrypt"))?;
        self.file.write_all(&sealed).map_err(VaultError::io(&self.tmp))?;
        self.hasher.update(&sealed);
        self.buffer.clear();
        Ok(())
    }

    /// Seals the last chunk, fsyncs, renames into place and fsyncs the directory. The file key
    /// comes back wrapped by `media_key`.
    pub(crate) fn finish(mut self, media_key: &SecretKey) -> Result<StoredMedia> {
        self.flush_chunk(true)?;
        self.file.sync_all().map_err(VaultError::io(&self.tmp))?;
        std::fs::rename(&self.tmp, &self.dest).map_err(VaultError::io(&self.dest))?;
        self.renamed = true;
        if let Some(dir) = self.dest.parent() {
            files::sync_dir(dir)?;
        }
        let file = self.dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let wrapped_key = keys::seal(media_key, self.key.expose(), file.as_bytes())?;
        let sha256 = std::mem::take(&mut self.hasher).finalize().into();
        Ok(StoredMedia { file, wrapped_key, sha256, plain_size: self.plain_size })
    }
}

impl Drop for MediaWriter {
    fn drop(&mut self) {
        // An unfinished writer (an error, a full disk at the last chunk or the fsync) leaves
        // nothing behind, under the final name or the temporary one.
        if !self.renamed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Decrypts a stored file chunk by chunk into `out`. Any altered, truncated, extended or
/// reordered byte is an error naming the file; nothing wrong is ever returned as data.
pub(crate) fn read(dir: &Path, stored: &StoredMedia, media_key: &SecretKey, out: &mut impl Write) -> Result<u64> {
    let damaged = |reason: &str| VaultError::MediaDamaged { file: stored.file.clone(), reason: reason.to_owned() };
    let key = keys::open(media_key, &stored.wrapped_key, stored.file.as_bytes())
        .ok_or_else(|| damaged("file key does not unwrap"))?;
    let key = SecretKey::from_bytes(&key).ok_or_else(|| damaged("file key length"))?;
    let path = dir.join(&stored.file);
    let mut file = File::open(&path).map_err(VaultError::io(&path))?;
    let mut header = [0u8; 4 + NONCE_PREFIX];
    file.read_exact(&mut header).map_err(|_| damaged("truncated header"))?;
    if &header[..4] != MAGIC {
        return Err(damaged("not a media file"));
    }
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    let mut decryptor = Some(DecryptorBE32::from_aead(cipher, header[4..].into()));
    let mut chunk = vec![0u8; CHUNK + TAG];
    let mut pending: Option<Vec<u8>> = None;
    let mut written = 0u64;
    loop {
        let n = read_full(&mut file, &mut chunk).map_err(VaultError::io(&path))?;
        if n == 0 {
            break;
        }
        if let Some(previous) = pending.take() {
            let plain = decryptor
                .as_mut()
                .ok_or_else(|| damaged("data after the end"))?
                .decrypt_next(previous.as_slice())
                .map_err(|_| damaged("chunk fails authentication"))?;
            out.write_all(&plain).map_err(VaultError::io(&path))?;
            written += plain.len() as u64;
        }
        pending = Some(chunk[..n].to_vec());
    }
    let last = pending.ok_or_else(|| damaged("no data"))?;
    let plain = decryptor
        .take()
        .ok_or_else(|| damaged("no decryptor"))?
        .decrypt_last(last.as_slice())
        .map_err(|_| damaged("last chunk fails authentication (truncated?)"))?;
    out.write_all(&plain).map_err(VaultError::io(&path))?;
    written += plain.len() as u64;
    Ok(written)
}

/// Hashes a stored file as it is on disk.
pub(crate) fn file_sha256(path: &Path) -> Result<[u8; 32]> {
    let mut file = File::open(path).map_err(VaultError::io(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(VaultError::io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}
