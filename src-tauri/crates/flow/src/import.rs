//! HRMS rows into the vault.

use hrms::import::CandidateRow;
use interview::resume::ResumeFacts;
use vault::NewCandidate;

/// The rows' résumé facts, in the same order as [`new_candidates`] (for
/// `Vault::import_candidates_with_resumes`).
pub fn resumes(good: &[CandidateRow]) -> Vec<Option<ResumeFacts>> {
    good.iter().map(|r| r.resume.clone()).collect()
}

/// The rows that passed the import's checks, as candidates of `job_id` (the command line and
/// the clerk's import screen both import through this).
pub fn new_candidates(job_id: i64, good: Vec<CandidateRow>) -> Vec<NewCandidate> {
    good.into_iter()
        .map(|r| NewCandidate {
            job_id,
            name: r.name,
            id_number: r.id_number,
            phone: r.phone,
            email: r.email,
            group: r.group,
        })
        .collect()
}
