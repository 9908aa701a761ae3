//! Internals for `benches/vault.rs` only (feature `bench-internals`, never enabled by the app):
//! bulk seeding of a realistic volume, and a plain (unencrypted) copy of the same database so
//! that the benchmark can run the same code on both and report what encryption costs.

use std::path::Path;

use interview::InterviewState;
use rand::{Rng, SeedableRng};
use rusqlite::params;

use super::lifecycle::read_header;
use super::{Vault, VaultPaths, audit_entry, system_clock};
use crate::audit::{self, Outcome};
use crate::db::{self, Keying};
use crate::error::{Result, VaultError};
use crate::keys::credential;

const SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"];
const GIVEN: &[&str] =
    &["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明"];

impl Vault {
    /// Adds `jobs` jobs, `candidates` candidates (each with an invitation and an interview in a
    /// spread of states) and audit entries until the log holds `audit_entries`, all in one
    /// transaction and through the real hash chain.
    pub fn seed_for_bench(&mut self, jobs: i64, candidates: i64, audit_entries: i64) -> Result<()> {
        self.flush_audit()?; // held entries first: the chain keeps the order of events
        let now = self.now();
        let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
        let system = self.system_actor();
        let tx = self.conn.transaction()?;
        let first_job: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM jobs", [], |r| r.get(0))?;
        for job in first_job..first_job + jobs {
            tx.execute(
                "INSERT INTO jobs (id, title, language, recommend_threshold, hold_threshold, created_at, created_by) VALUES (?1, ?2, 'zh-CN', 80, 60, ?3, 1)",
                params![job, format!("岗位 {job}"), now],
            )?;
        }
        {
            let mut candidate = tx.prepare(
                "INSERT INTO candidates (id, job_id, name, id_last4, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut invitation = tx.prepare(
                "INSERT INTO invitations (id, candidate_id, code_hash, valid_from, valid_until, created_at) VALUES (?1, ?1, ?2, ?3, ?4, ?3)",
            )?;
            let mut interview = tx.prepare(
                "INSERT INTO interviews (id, invitation_id, candidate_id, job_id, state, updated_at) VALUES (?1, ?1, ?1, ?2, ?3, ?4)",
            )?;
            let first: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM candidates", [], |r| r.get(0))?;
            for id in first..first + candidates {
                let name = format!(
                    "{}{}{}",
                    SURNAMES[rng.gen_range(0..SURNAMES.len())],
                    GIVEN[rng.gen_range(0..GIVEN.len())],
                    if rng.gen_bool(0.5) { GIVEN[rng.gen_range(0..GIVEN.len())] } else { "" }
                );
                let job = first_job + rng.gen_range(0..jobs.max(1));
                let created = now - rng.gen_range(0..365 * 86_400_000_i64);
                candidate.execute(params![id, job, name, format!("{:04}", rng.gen_range(0..10_000)), created])?;
                invitation.execute(params![id, id.to_be_bytes().as_slice(), created, created + 86_400_000])?;
                let state = InterviewState::ALL[rng.gen_range(0..InterviewState::ALL.len())];
                interview.execute(params![id, job, state.as_str(), created])?;
            }
        }
        let (mut seq, _) = audit::head(&tx, &self.chain)?;
        while seq < audit_entries {
            let object = format!("candidate:{}", rng.gen_range(1..candidates.max(2)));
            (seq, _) =
                audit::append(&tx, &self.chain, now, &audit_entry(&system, "candidate.view", &object, Outcome::Ok))?;
        }
        let (seq, head) = audit::head(&tx, &self.chain)?;
        tx.commit()?;
        self.store_checkpoint(seq, &head, now)
    }

    /// Adds one job of `candidates` interviewed candidates (4 dimensions, three groups, each
    /// scored on every dimension through one committed answer, a total and a decision, rated by a
    /// person when they have outcomes) of whom `with_outcomes` have a performance rating and a
    /// probation result a year after their decision; all in one transaction. The ratings follow
    /// the first dimension. Returns the job.
    pub fn seed_validity_for_bench(&mut self, candidates: i64, with_outcomes: i64) -> Result<i64> {
        self.flush_audit()?;
        let now = self.now();
        let decided = now - 400 * 86_400_000;
        let mut rng = rand::rngs::StdRng::seed_from_u64(25);
        let tx = self.conn.transaction()?;
        let job: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM jobs", [], |r| r.get(0))?;
        tx.execute(
            "INSERT INTO jobs (id, title, language, recommend_threshold, hold_threshold, created_at, created_by) VALUES (?1, ?2, 'zh-CN', 70, 45, ?3, 1)",
            params![job, format!("效度岗位 {job}"), decided],
        )?;
        tx.execute(
            "INSERT INTO job_versions (job_id, version, created_at, created_by) VALUES (?1, 1, ?2, 1)",
            params![job, decided],
        )?;
        let mut dims = Vec::new();
        for (position, (name, bp)) in
            [("沟通能力", 3000), ("服务意识", 3000), ("应急处理", 2000), ("政策理解", 2000)].iter().enumerate()
        {
            tx.execute(
                "INSERT INTO dimensions (job_id, name, weight_bp, position) VALUES (?1, ?2, ?3, ?4)",
                params![job, name, bp, position as i64],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO job_version_weights (job_id, version, dimension_id, weight_bp) VALUES (?1, 1, ?2, ?3)",
                params![job, id, bp],
            )?;
            dims.push((id, *bp));
        }
        tx.execute(
            "INSERT INTO questions (job_id, kind, position, prep_seconds, answer_seconds, retakes) VALUES (?1, 'structured', 0, 30, 120, 0)",
            [job],
        )?;
        let question = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO question_versions (question_id, version, text, rubric_json, dimensions, frozen, created_at) VALUES (?1, 1, '题', '{}', '[]', 1, ?2)",
            params![question, decided],
        )?;
        let version = tx.last_insert_rowid();
        {
            let first: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM candidates", [], |r| r.get(0))?;
            let mut candidate = tx.prepare(
                "INSERT INTO candidates (id, job_id, name, id_last4, group_label, created_at) VALUES (?1, ?2, ?3, '0000', ?4, ?5)",
            )?;
            let mut invitation = tx.prepare(
                "INSERT INTO invitations (id, candidate_id, code_hash, valid_from, valid_until, created_at) VALUES (?1, ?1, ?2, ?3, ?3, ?3)",
            )?;
            let mut interview = tx.prepare(
                "INSERT INTO interviews (id, invitation_id, candidate_id, job_id, state, updated_at, decided_at) VALUES (?1, ?1, ?1, ?2, 'reviewed', ?3, ?3)",
            )?;
            let mut answer = tx.prepare(
                "INSERT INTO answers (interview_id, question_version_id, attempt, state, started_at, committed_at) VALUES (?1, ?2, 1, 'committed', ?3, ?3)",
            )?;
            let mut score = tx.prepare(
                "INSERT INTO scores (interview_id, answer_id, dimension_id, level, total, band, evidence_json, model_versions, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, '{}', 'bench', ?7)",
            )?;
            let mut rating = tx.prepare(
                "INSERT INTO ratings (interview_id, dimension_id, rater_id, level, created_at) VALUES (?1, ?2, 1, ?3, ?4)",
            )?;
            let mut decision = tx.prepare(
                "INSERT INTO decisions (interview_id, decider_id, band, reason, created_at) VALUES (?1, 1, ?2, 'bench', ?3)",
            )?;
            let mut outcome = tx.prepare(
                "INSERT INTO outcomes (candidate_id, kind, day, after_days, value, scale, created_at, created_by) VALUES (?1, ?2, ?3, 365, ?4, ?5, ?6, 1)",
            )?;
            let day = (decided / 86_400_000 + 365) as i32;
            for i in 0..candidates {
                let id = first + i;
                let group = ["甲", "乙", "丙"][rng.gen_range(0..3)];
                candidate.execute(params![id, job, format!("效度{i}"), group, decided])?;
                invitation.execute(params![id, id.to_be_bytes().as_slice(), decided])?;
                interview.execute(params![id, job, decided])?;
                answer.execute(params![id, version, decided])?;
                let answer_id = tx.last_insert_rowid();
                let levels: Vec<f64> = (0..dims.len()).map(|_| f64::from(rng.gen_range(2..=10u8)) / 2.0).collect();
                let total: f64 =
                    dims.iter().zip(&levels).map(|((_, bp), l)| f64::from(*bp) * (l - 1.0) / 4.0 / 100.0).sum();
                let band = if total >= 70.0 {
                    "recommend"
                } else if total >= 45.0 {
                    "hold"
                } else {
                    "not_recommended"
                };
                for ((dimension, _), level) in dims.iter().zip(&levels) {
                    score.execute(params![
                        id,
                        answer_id,
                        dimension,
                        level,
                        Option::<f64>::None,
                        Option::<&str>::None,
                        decided
                    ])?;
                }
                score.execute(params![
                    id,
                    Option::<i64>::None,
                    Option::<i64>::None,
                    Option::<f64>::None,
                    total,
                    band,
                    decided
                ])?;
                decision.execute(params![id, band, decided])?;
                if i < with_outcomes {
                    for ((dimension, _), level) in dims.iter().zip(&levels) {
                        rating.execute(params![id, dimension, (level.round() as i64).clamp(1, 5), decided])?;
                    }
                    let step = (levels[0].round() as i64 + rng.gen_range(-1..=1)).clamp(1, 5);
                    outcome.execute(params![id, "rating", day, step, Some("points5"), decided])?;
                    outcome.execute(params![
                        id,
                        "probation",
                        day,
                        i64::from(step > 1),
                        Option::<&str>::None,
                        decided
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(job)
    }

    /// Writes an unencrypted copy of this vault (database, header, checkpoint) into
    /// `data_dir`, for [`Vault::open_plain_for_bench`].
    pub fn export_plain_for_bench(&self, data_dir: &Path) -> Result<()> {
        let dest = VaultPaths::in_data_dir(data_dir);
        std::fs::create_dir_all(dest.media()).map_err(VaultError::io(&dest.dir))?;
        for (from, to) in [(self.paths.header(), dest.header()), (self.paths.checkpoint(), dest.checkpoint())] {
            std::fs::copy(&from, &to).map_err(VaultError::io(&to))?;
        }
        let db = dest.db();
        std::fs::File::create(&db).map_err(VaultError::io(&db))?;
        let path = db.to_str().ok_or(VaultError::Crypto("path"))?;
        self.conn.execute("ATTACH DATABASE ?1 AS plain KEY ''", [path])?;
        let version = db::schema_version(&self.conn)?;
        let exported = self
            .conn
            .query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
            .and_then(|()| self.conn.execute_batch(&format!("PRAGMA plain.user_version = {version};")));
        self.conn.execute_batch("DETACH DATABASE plain;")?;
        Ok(exported?)
    }

    /// Opens a copy written by [`Vault::export_plain_for_bench`] through the same code as
    /// [`Vault::open`], minus the key.
    pub fn open_plain_for_bench(data_dir: &Path) -> Result<Vault> {
        let paths = VaultPaths::in_data_dir(data_dir);
        let header = read_header(&paths)?;
        let key = credential::load(&header.vault_id)?;
        let lock = crate::lock::VaultLock::shared(&paths.dir)?;
        let conn = db::open_keyed(&paths.db(), Keying::Plain, false)?;
        Self::from_connection(paths, header, key, conn, system_clock(), lock)
    }
}
