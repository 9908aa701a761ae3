//! The agency's own signing identity, imported from a PKCS#12 made by openssl the way an
//! agency's CA would issue it (a root, and a signing certificate issued by it).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::path::Path;

use common::{World, pdfsig_valid, run};
use interview::{Band, UserFacing};
use report::SigningIdentity;
use report::export::{export_candidate, verify_with_vault};

/// An EC P-256 root and signing certificate, bundled as PKCS#12 with `password`.
fn agency_p12(dir: &Path, password: &str) -> (Vec<u8>, Vec<u8>) {
    let p = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &p("ca.key"),
            "-out",
            &p("ca.pem"),
            "-subj",
            "/O=Agency/CN=Agency Root",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &p("leaf.key"),
            "-out",
            &p("leaf.csr"),
            "-subj",
            "/O=Agency/CN=Agency Report Signing",
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .unwrap();
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &p("leaf.csr"),
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-CAcreateserial",
            "-out",
            &p("leaf.pem"),
            "-days",
            "365",
            "-extfile",
            &p("ext.cnf"),
        ],
    );
    run(
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-inkey",
            &p("leaf.key"),
            "-in",
            &p("leaf.pem"),
            "-certfile",
            &p("ca.pem"),
            "-out",
            &p("agency.p12"),
            "-passout",
            &format!("pass:{password}"),
        ],
    );
    let root = report::certificates_from_pem(&std::fs::read(dir.join("ca.pem")).unwrap()).unwrap().remove(0);
    (std::fs::read(dir.join("agency.p12")).unwrap(), root)
}

#[test]
fn an_imported_pkcs12_signs_reports_that_pdfsig_trusts_through_the_agency_root() {
    let mut w = World::without_identity();
    let (p12, root) = agency_p12(w.dir.path(), "agency secret");
    let identity = SigningIdentity::from_pkcs12(&p12, "agency secret").unwrap();
    assert!(identity.subject().contains("Agency Report Signing"), "{}", identity.subject());
    assert_eq!(identity.chain_der().len(), 2, "the signing certificate and the agency root");
    common::install(&mut w.vault, &w.admin, &identity);

    let interview = w.interview("张三", None, [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Recommend));
    let pdf = export_candidate(&mut w.vault, &w.clerk, interview, None, time::OffsetDateTime::now_utc()).unwrap().pdf;
    let path = w.path("agency.pdf");
    std::fs::write(&path, &pdf).unwrap();
    // pdfsig with an NSS database that trusts the agency's root (from openssl, not from us).
    let db = common::nss_db_trusting(&w.path("agency-nss"), &w.path("ca.pem"));
    let (valid, text) = pdfsig_valid(&path, &db);
    assert!(valid, "{text}");
    let report = verify_with_vault(&pdf, Some((&mut w.vault, &w.clerk)), &[]).unwrap();
    assert!(report.is_valid(), "{report:#?}");
    assert_eq!(report.verification.root_fingerprint.as_deref(), Some(identity.root_fingerprint().as_str()));
    // Without any trusted root, the signature is intact but its signer unknown: not valid.
    let alone = report::verify_pdf(&pdf, &[]);
    assert_eq!(alone.problems, [report::Problem::UntrustedSigner]);
    assert!(report::verify_pdf(&pdf, &[root]).is_valid());
}

#[test]
fn a_wrong_password_an_rsa_key_or_a_file_without_a_key_is_refused_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let (p12, _) = agency_p12(dir.path(), "right");
    let err = SigningIdentity::from_pkcs12(&p12, "wrong").unwrap_err();
    assert_eq!(err.code(), "report.pkcs12_unreadable");
    assert!(err.user_message().zh_cn.contains("密码错误"));
    let err = SigningIdentity::from_pkcs12(b"not a pkcs12 file", "x").unwrap_err();
    assert_eq!(err.code(), "report.pkcs12_unreadable");

    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &p("rsa.key"),
            "-out",
            &p("rsa.pem"),
            "-subj",
            "/CN=RSA",
            "-days",
            "30",
        ],
    );
    run(
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-inkey",
            &p("rsa.key"),
            "-in",
            &p("rsa.pem"),
            "-out",
            &p("rsa.p12"),
            "-passout",
            "pass:pw",
        ],
    );
    let err = SigningIdentity::from_pkcs12(&std::fs::read(p("rsa.p12")).unwrap(), "pw").unwrap_err();
    assert_eq!(err.code(), "report.unsupported_key");
    assert!(err.user_message().en.contains("ECDSA P-256"));

    run(
        "openssl",
        &["pkcs12", "-export", "-nokeys", "-in", &p("rsa.pem"), "-out", &p("certs.p12"), "-passout", "pass:pw"],
    );
    let err = SigningIdentity::from_pkcs12(&std::fs::read(p("certs.p12")).unwrap(), "pw").unwrap_err();
    assert_eq!(err.code(), "report.pkcs12_no_key");
}
