//! Group commit for the audit log. The local API audits every call, and each audited call alone
//! costs a committed transaction and a new checkpoint outside the database (three fsyncs). With
//! batching on, entries that change nothing else (token checks, denials) are held in memory and
//! committed together by [`Vault::flush_audit`]: one transaction and one checkpoint for many
//! calls. The caller must not answer a call before the flush that holds its entry returns — the
//! API's worker answers a batch only after flushing it, so no answer is ever given whose audit
//! entry could still be lost.
//!
//! Order is kept: anything else that writes to the chain first commits what is held (`write` in
//! its own transaction, the other direct writers through `flush_audit`); `append_only` holds its
//! entry too while batching is on.

use std::collections::HashMap;

use rusqlite::{Transaction, params};

use super::Vault;
use crate::audit::{self, Chain, Entry};
use crate::error::Result;

/// How long repeated refusals from one place are counted into one audit entry.
pub(crate) const REPEAT_WINDOW_MS: i64 = 60_000;

/// Entries (with their own time) and token uses waiting to be committed; and refusals being
/// counted rather than written one by one.
#[derive(Default)]
pub(crate) struct AuditBatch {
    pub(crate) enabled: bool,
    entries: Vec<(i64, Entry)>,
    tokens_used: Vec<(i64, i64)>,
    /// Per (action, device): when the window began, the refusals after the first, and the
    /// first one's entry (the pattern of the summary).
    repeated: HashMap<(String, String), (i64, u64, Entry)>,
}

/// The head after appending the held entries: (seq, hash, at_ms).
pub(crate) type Head = (i64, [u8; 32], i64);

impl AuditBatch {
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.tokens_used.is_empty()
    }

    pub(crate) fn hold(&mut self, at_ms: i64, entry: Entry) {
        self.entries.push((at_ms, entry));
    }

    pub(crate) fn token_used(&mut self, token_id: i64, at_ms: i64) {
        self.tokens_used.push((token_id, at_ms));
    }

    /// Writes what is held into `tx` (which may carry a change of its own). The batch is cleared
    /// by the caller only once `tx` has committed, so a rolled-back change loses nothing held.
    pub(crate) fn append_to(&self, tx: &Transaction<'_>, chain: &Chain) -> Result<Option<Head>> {
        for (token, at) in &self.tokens_used {
            tx.execute(
                "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2)",
                params![token, at],
            )?;
        }
        let mut head = None;
        for (at, entry) in &self.entries {
            let (seq, hash) = audit::append(tx, chain, *at, entry)?;
            head = Some((seq, hash, *at));
        }
        Ok(head)
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.tokens_used.clear();
    }

    /// A refusal that repeats (an unknown token from the same address): whether it gets an
    /// audit entry of its own — the first of its window does — or is only counted. A brute
    /// force thus leaves one entry a minute and a count, not a row per attempt. Call
    /// [`AuditBatch::repeats_due`] first, so that a window that has ended is summed up.
    pub(crate) fn refused(&mut self, at_ms: i64, entry: &Entry) -> bool {
        match self.repeated.entry((entry.action.clone(), entry.device.clone())) {
            std::collections::hash_map::Entry::Occupied(mut window) => {
                window.get_mut().1 += 1;
                false
            }
            std::collections::hash_map::Entry::Vacant(window) => {
                window.insert((at_ms, 0, entry.clone()));
                true
            }
        }
    }

    /// The summaries of windows that have ended by `at_ms` (all of them when `all`): one entry
    /// per window, its object naming how many refusals it counts (`api_token:?/repeated:37`).
    pub(crate) fn repeats_due(&mut self, at_ms: i64, all: bool) -> Vec<Entry> {
        let ended: Vec<_> = self
            .repeated
            .iter()
            .filter(|(_, (first, _, _))| all || at_ms - *first >= REPEAT_WINDOW_MS)
            .map(|(key, _)| key.clone())
            .collect();
        let mut due = Vec::new();
        for key in ended {
            if let Some((_, count, mut entry)) = self.repeated.remove(&key)
                && count > 0
            {
                entry.object = format!("{}/repeated:{count}", entry.object);
                due.push(entry);
            }
        }
        due
    }
}

impl Vault {
    /// Turns group commit on or off (off flushes what is held). Only for a process that answers
    /// calls after [`Vault::flush_audit`], as the local API's worker does.
    pub fn set_audit_batching(&mut self, on: bool) -> Result<()> {
        if !on {
            self.flush_audit()?;
        }
        self.batch.enabled = on;
        Ok(())
    }

    /// Whether audit entries are held for the next [`Vault::flush_audit`] (a change commits
    /// those held before it in its own transaction).
    pub fn audit_held(&self) -> bool {
        !self.batch.is_empty()
    }

    /// Commits the held audit entries in one transaction and moves the checkpoint outside the
    /// database once. A no-op when nothing is held. On failure the entries stay held.
    pub fn flush_audit(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let head = (|| {
            let tx = self.conn.transaction()?;
            let head = self.batch.append_to(&tx, &self.chain)?;
            tx.commit()?;
            Ok(head)
        })()
        .map_err(|error: crate::VaultError| error.on_disk_of(&self.paths.dir))?;
        self.batch.clear();
        if let Some((seq, hash, at)) = head {
            self.checkpoint_after_commit(seq, &hash, at);
        }
        Ok(())
    }
}

impl Drop for Vault {
    fn drop(&mut self) {
        for entry in self.batch.repeats_due(0, true) {
            if let Err(error) = self.append_only(&entry) {
                tracing::error!(
                    code = interview::UserFacing::code(&error),
                    "a count of repeated refusals could not be recorded on close"
                );
            }
        }
        if let Err(error) = self.flush_audit() {
            tracing::error!(code = interview::UserFacing::code(&error), detail = %error, "held audit entries could not be committed on close");
        }
    }
}
