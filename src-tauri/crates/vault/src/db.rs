//! Opening the encrypted database. This module is the only place in the code base that opens a
//! SQLite connection.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Result, VaultError};
use crate::keys::SecretKey;
use crate::schema::MIGRATIONS;

/// How long a writer waits for another before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The page cache of the one connection, in KiB.
const CACHE_KIB: u32 = 64 * 1024;

/// How the database file is protected. Production code only ever uses [`Keying::Key`]; the
/// plain variant exists for the benchmark that measures what encryption costs (feature
/// `bench-internals`, never enabled in the app).
#[derive(Clone, Copy)]
pub(crate) enum Keying<'a> {
    Key(&'a SecretKey),
    #[cfg(feature = "bench-internals")]
    Plain,
}

/// Opens (or, with `create`, creates) the database at `path` with `key`, sets the pragmas and
/// asserts each took effect. A wrong key is reported as [`VaultError::WrongKey`] before anything
/// is written.
pub(crate) fn open(path: &Path, key: &SecretKey, create: bool) -> Result<Connection> {
    open_keyed(path, Keying::Key(key), create)
}

pub(crate) fn open_keyed(path: &Path, keying: Keying<'_>, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    } else if !path.is_file() {
        return Err(VaultError::NotFound(path.to_owned()));
    }
    let mut conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher prints "hmac check failed" to stderr on a wrong key; our error says it better.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    conn.execute_batch("PRAGMA cipher_memory_security = ON;")?;
    match keying {
        Keying::Key(key) => conn.pragma_update(None, "key", key.sqlcipher_pragma_value().as_str())?,
        #[cfg(feature = "bench-internals")]
        Keying::Plain => {}
    }
    // The first read proves the key (SQLCipher checks every page's HMAC).
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => {
            return Err(VaultError::WrongKey);
        }
        Err(other) => return Err(other.into()),
    }
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Several processes may write one vault (see `lock`): every transaction takes the write
    // lock when it begins, so a transaction that read first never fails to upgrade (in WAL mode
    // that failure is immediate, the busy timeout does not wait for it) and what it read (the
    // audit chain's head, the next id) stays true until it commits.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    // `secure_delete`: a deleted row's page space is overwritten, so what retention purges is
    // not left in free pages that anyone holding the key could still read.
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
    )?;
    // Every page read from disk is decrypted and authenticated; a page cache large enough for
    // the working set keeps that to once per page (see the benchmark in benches/vault.rs).
    conn.execute_batch(&format!("PRAGMA cache_size = -{};", CACHE_KIB))?;
    assert_pragmas(&conn, &mode)?;
    Ok(conn)
}

/// An empty in-memory connection that holds the place of the vault's while the file is
/// swapped (re-key), or once `close` has taken it (the vault's `Drop` still needs one).
pub(crate) fn placeholder() -> Result<Connection> {
    Ok(Connection::open_in_memory()?)
}

/// Writes a copy of the database encrypted with `new_key` to `dest` (`sqlcipher_export`), then
/// opens it with the new key and integrity-checks it. The live database is not changed.
pub(crate) fn export_rekeyed(conn: &Connection, new_key: &SecretKey, dest: &Path) -> Result<()> {
    let version = schema_version(conn)?;
    let dest_text = dest.to_str().ok_or_else(|| VaultError::io(dest)(std::io::ErrorKind::InvalidInput.into()))?;
    // The vault's connection is opened without SQLITE_OPEN_CREATE, which ATTACH inherits: the
    // (empty) file must exist first.
    std::fs::File::create(dest).map_err(VaultError::io(dest))?;
    conn.execute("ATTACH DATABASE ?1 AS rekeyed KEY ?2", [dest_text, new_key.sqlcipher_pragma_value().as_str()])?;
    let exported = conn
        .query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))
        .and_then(|()| conn.execute_batch(&format!("PRAGMA rekeyed.user_version = {version};")));
    conn.execute_batch("DETACH DATABASE rekeyed;")?;
    exported?;
    let copy = open(dest, new_key, false)?;
    integrity_check(&copy)?;
    if schema_version(&copy)? != version {
        return Err(VaultError::Corrupt("the re-keyed copy lost its schema version".into()));
    }
    Ok(())
}

fn assert_pragmas(conn: &Connection, journal_mode: &str) -> Result<()> {
    let get = |name: &str| -> Result<String> {
        Ok(conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, rusqlite::types::Value>(0)).map(
            |v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            },
        )?)
    };
    let checks = [
        ("journal_mode", journal_mode.to_owned(), "wal"),
        ("synchronous", get("synchronous")?, "2"),
        ("temp_store", get("temp_store")?, "2"),
        ("foreign_keys", get("foreign_keys")?, "1"),
        ("secure_delete", get("secure_delete")?, "1"),
        ("cipher_memory_security", get("cipher_memory_security")?, "1"),
    ];
    for (name, actual, expected) in checks {
        if actual != expected {
            return Err(VaultError::Corrupt(format!("PRAGMA {name} is {actual}, expected {expected}")));
        }
    }
    Ok(())
}

pub(crate) fn schema_version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Applies the pending migrations. With `backup_to`, an existing database is first copied there
/// (SQLite backup API, still encrypted with the same key). All pending migrations run in one
/// transaction: on failure nothing changes.
pub(crate) fn migrate(conn: &mut Connection, key: &SecretKey, backup_to: Option<&Path>) -> Result<u32> {
    migrate_with(conn, key, backup_to, MIGRATIONS)
}

pub(crate) fn migrate_with(
    conn: &mut Connection,
    key: &SecretKey,
    backup_to: Option<&Path>,
    migrations: &[&str],
) -> Result<u32> {
    let found = schema_version(conn)?;
    let supported = migrations.len() as u32;
    if found > supported {
        return Err(VaultError::TooNew { found, supported });
    }
    if found == supported {
        return Ok(found);
    }
    if found > 0
        && let Some(backup) = backup_to
    {
        backup_copy(conn, key, backup)?;
        tracing::info!(from = found, to = supported, "backed up the database before migrating");
    }
    let tx = conn.transaction()?;
    for (index, sql) in migrations.iter().enumerate().skip(found as usize) {
        let version = index as u32 + 1;
        tx.execute_batch(sql).map_err(|e| VaultError::Migration { version, detail: e.to_string() })?;
        tx.pragma_update(None, "user_version", version)
            .map_err(|e| VaultError::Migration { version, detail: e.to_string() })?;
    }
    tx.commit()?;
    tracing::info!(from = found, to = supported, "database migrated");
    Ok(supported)
}

/// A consistent copy of the live database into `dest`, encrypted with the same key (SQLCipher's
/// backup API requires source and target keyed alike), then opened and integrity-checked.
pub(crate) fn backup_copy(conn: &Connection, key: &SecretKey, dest: &Path) -> Result<()> {
    {
        let mut target = Connection::open(dest)?;
        target.execute_batch("PRAGMA cipher_memory_security = ON;")?;
        target.pragma_update(None, "key", key.sqlcipher_pragma_value().as_str())?;
        let backup = rusqlite::backup::Backup::new(conn, &mut target)?;
        backup.run_to_completion(256, Duration::from_millis(0), None)?;
    }
    let copy = open(dest, key, false)?;
    integrity_check(&copy)
}

/// `PRAGMA cipher_integrity_check` (every page's HMAC) and `PRAGMA integrity_check`.
pub(crate) fn integrity_check(conn: &Connection) -> Result<()> {
    let mut problems = Vec::new();
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for row in rows {
        problems.push(row?);
    }
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        problems.push(ok);
    }
    if problems.is_empty() { Ok(()) } else { Err(VaultError::Corrupt(problems.join("; "))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_migration_leaves_the_database_untouched_after_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.db");
        let key = SecretKey::random();
        let mut conn = open(&path, &key, true).unwrap();
        assert_eq!(migrate_with(&mut conn, &key, None, &MIGRATIONS[..1]).unwrap(), 1);
        conn.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')", []).unwrap();
        let broken = [MIGRATIONS[0], "CREATE TABLE extra (a INTEGER); INSERT INTO nowhere VALUES (1);"];
        let backup = dir.path().join("v.db.before-v2");
        let err = migrate_with(&mut conn, &key, Some(&backup), &broken).unwrap_err();
        assert!(matches!(err, VaultError::Migration { version: 2, .. }), "{err:?}");
        assert_eq!(schema_version(&conn).unwrap(), 1);
        let extra: i64 =
            conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra'", [], |r| r.get(0)).unwrap();
        assert_eq!(extra, 0, "half a migration was left behind");
        // The backup is a complete, encrypted, openable copy.
        let copy = open(&backup, &key, false).unwrap();
        let v: String = copy.query_row("SELECT value FROM settings WHERE key = 'k'", [], |r| r.get(0)).unwrap();
        assert_eq!(v, "v");
        assert!(!std::fs::read(&backup).unwrap().starts_with(b"SQLite format 3"));
        assert!(matches!(open(&backup, &SecretKey::random(), false).unwrap_err(), VaultError::WrongKey));
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random();
        let mut conn = open(&dir.path().join("v.db"), &key, true).unwrap();
        migrate(&mut conn, &key, None).unwrap();
        let err = migrate_with(&mut conn, &key, None, &MIGRATIONS[..1]).unwrap_err();
        assert!(matches!(err, VaultError::TooNew { found, supported: 1 } if found == MIGRATIONS.len() as u32));
    }

    /// A vault of every earlier schema version, holding data, upgrades to the current one with
    /// its data intact and a backup of the old version beside it.
    #[test]
    fn every_earlier_schema_version_migrates_to_the_current_one() {
        const FIXTURE: &str = "
            INSERT INTO users (id, username, display_name, role, password_hash, created_at) VALUES (1, 'a', 'A', 'admin', 'h', 1);
            INSERT INTO jobs (id, title, language, recommend_threshold, hold_threshold, created_at, created_by) VALUES (1, 'J', 'zh-CN', 80, 60, 1, 1);
            INSERT INTO candidates (id, job_id, name, created_at) VALUES (1, 1, '张三', 1);
            INSERT INTO invitations (id, candidate_id, code_hash, valid_from, valid_until, created_at) VALUES (1, 1, x'01', 0, 9, 1);
            INSERT INTO interviews (id, invitation_id, candidate_id, job_id, state, updated_at, decided_at) VALUES (1, 1, 1, 1, 'reviewed', 5, 5);
            INSERT INTO audit_log (seq, at_ms, actor, role, action, object, outcome, device, prev_hash, hash) VALUES (1, 1, 's', 'admin', 'x', 'y', 'ok', 'd', x'00', x'01');
        ";
        for from in 1..MIGRATIONS.len() {
            let dir = tempfile::tempdir().unwrap();
            let key = SecretKey::random();
            let path = dir.path().join("v.db");
            let mut conn = open(&path, &key, true).unwrap();
            migrate_with(&mut conn, &key, None, &MIGRATIONS[..from]).unwrap();
            conn.execute_batch(FIXTURE).unwrap();
            let backup = dir.path().join("before.db");
            assert_eq!(migrate(&mut conn, &key, Some(&backup)).unwrap(), MIGRATIONS.len() as u32, "from v{from}");
            integrity_check(&conn).unwrap();
            let (name, state): (String, String) = conn
                .query_row(
                    "SELECT c.name, v.state FROM candidates c JOIN interviews v ON v.candidate_id = c.id",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!((name.as_str(), state.as_str()), ("张三", "reviewed"), "from v{from}");
            assert_eq!(schema_version(&open(&backup, &key, false).unwrap()).unwrap(), from as u32);
        }
    }
}
