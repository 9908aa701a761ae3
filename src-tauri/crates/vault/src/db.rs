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

/// Opens (or, with `create`, creates) the database at `path` with `key`, sets the pragmas and
/// asserts each took effect. A wrong key is reported as [`VaultError::WrongKey`] before anything
/// is written.
pub(crate) fn open(path: &Path, key: &SecretKey, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    } else if !path.is_file() {
        return Err(VaultError::NotFound(path.to_owned()));
    }
    let conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher prints "hmac check failed" to stderr on a wrong key; our error says it better.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    conn.execute_batch("PRAGMA cipher_memory_security = ON;")?;
    conn.pragma_update(None, "key", key.sqlcipher_pragma_value().as_str())?;
    // The first read proves the key (SQLCipher checks every page's HMAC).
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => {
            return Err(VaultError::WrongKey);
        }
        Err(other) => return Err(other.into()),
    }
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = ON;")?;
    assert_pragmas(&conn, &mode)?;
    Ok(conn)
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
        let err = migrate_with(&mut conn, &key, None, &[]).unwrap_err();
        assert!(matches!(err, VaultError::TooNew { found: 1, supported: 0 }));
    }
}
