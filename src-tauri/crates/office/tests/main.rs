//! The hub's refusals, against a real hub: a real vault (SQLCipher, its audit log), the real
//! server (axum over rustls with client certificates) on loopback, and the station's own client
//! and enrolment code. The hub runs in this process so the test can move its clock (an expired
//! code) and speak to it as a station would and as an attacker would. The credential store is
//! keyring-core's mock; hub and stations as separate processes, link faults and kills are in
//! `tests/e2e/office.rs`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use interview::Lang;
use office::client::HubClient;
use office::wire;
use office::{EnrolmentCode, OfficeError};
use sha2::{Digest, Sha256};
use vault::Applied;

use support::{HUB_VERSIONS, Hub, PASSWORD, client_of, enrolled, hello, journal, refused_code, segment};

#[test]
fn enrolment_needs_the_right_unexpired_unused_code_and_the_hub_shows_the_authority_it_was_made_with() {
    let hub = Hub::start();
    let dir = tempfile::tempdir().unwrap();
    // A code no one made.
    let wrong = office::station::enrol(
        &dir.path().join("a"),
        &hub.hub(),
        &EnrolmentCode::random(),
        "Booth 1",
        interview::MachineRole::Station,
    );
    assert_eq!(refused_code(wrong), "office.enrolment_refused");
    // The right lookup with the wrong secret: a wrong proof, counted; after three the code is
    // refused even when typed right.
    let code = hub.code("kiosk-1");
    let shown = code.display();
    let mut tampered = shown.to_string();
    tampered.replace_range(23..24, if shown.ends_with('0') { "1" } else { "0" });
    for _ in 0..vault::MAX_ENROLMENT_FAILURES {
        let attempt = office::station::enrol(
            &dir.path().join("b"),
            &hub.hub(),
            &EnrolmentCode::parse(&tampered).unwrap(),
            "B",
            interview::MachineRole::Station,
        );
        assert_eq!(refused_code(attempt), "office.enrolment_refused");
    }
    let burnt =
        office::station::enrol(&dir.path().join("b"), &hub.hub(), &code, "Booth 2", interview::MachineRole::Station);
    assert_eq!(refused_code(burnt), "office.enrolment_refused");
    assert_eq!(hub.denials("office.enrol"), 2, "the unknown and the burnt code are audited as refused");
    // An expired code: made, then 15 minutes and a second pass on the hub's clock.
    let late = hub.code("kiosk-1");
    hub.clock.fetch_add(vault::ENROLMENT_CODE_TTL_MS + 1000, Ordering::SeqCst);
    let expired =
        office::station::enrol(&dir.path().join("c"), &hub.hub(), &late, "Booth 3", interview::MachineRole::Station);
    assert_eq!(refused_code(expired), "office.enrolment_refused");
    // A code bound to an account that is not a kiosk is not made at all.
    let mut vault = hub.vault();
    let admin = hub.sign_in(&mut vault, "admin");
    let refused = vault.create_enrolment_code(&admin, "clerk", "ABCD", &[0; 32]);
    assert!(matches!(refused, Err(vault::VaultError::NotAKioskAccount(_))));
    // A good code enrols once; the station learns the authority the hub printed.
    let good = hub.code("kiosk-1");
    let config =
        office::station::enrol(&dir.path().join("d"), &hub.hub(), &good, "Booth 4", interview::MachineRole::Station)
            .unwrap();
    assert_eq!(<[u8; 32]>::from(Sha256::digest(&config.authority_cert_der)), hub.authority_sha256);
    let again =
        office::station::enrol(&dir.path().join("e"), &hub.hub(), &good, "Booth 5", interview::MachineRole::Station);
    assert_eq!(refused_code(again), "office.enrolment_refused");
    let stations = vault.list_stations(&admin).unwrap();
    assert_eq!(stations.len(), 1);
    assert_eq!((stations[0].name.as_str(), stations[0].account.as_str()), ("Booth 4", "kiosk-1"));
    // Without the code's proof, enrolling over a second connection is the same as none.
    assert!(hello(&client_of(&config)).is_ok());
}

/// A relay that terminates TLS with its own certificate and passes the bytes on to the hub: the
/// man in the middle of an enrolment. Returns its address.
fn start_relay(hub: SocketAddr) -> SocketAddr {
    use tokio::io::copy_bidirectional;
    let (key_pkcs8, cert_der) = office::ca::new_authority("relay").unwrap();
    let authority = vault::OfficeAuthority { key_pkcs8, cert_der };
    let identity = office::ca::hub_identity(&authority, &["127.0.0.1".into()]).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![identity.cert_der.clone().into()],
            rustls_pki_types::PrivateKeyDer::Pkcs8(identity.key_pkcs8.to_vec().into()),
        )
        .unwrap();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut inbound) = acceptor.accept(tcp).await else { return };
                    // Onwards to the hub, accepting whatever certificate it shows.
                    let config = relay_client_config();
                    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
                    let Ok(tcp) = tokio::net::TcpStream::connect(hub).await else { return };
                    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
                    let Ok(mut outbound) = connector.connect(name, tcp).await else { return };
                    let _ = copy_bidirectional(&mut inbound, &mut outbound).await;
                });
            }
        });
    });
    addr_rx.recv_timeout(Duration::from_secs(10)).unwrap()
}

/// The relay's own client side: accepts the hub's certificate, whatever it is.
fn relay_client_config() -> rustls::ClientConfig {
    #[derive(Debug)]
    struct AnyCert(Arc<rustls::crypto::CryptoProvider>);
    impl rustls::client::danger::ServerCertVerifier for AnyCert {
        fn verify_server_cert(
            &self,
            _: &rustls_pki_types::CertificateDer<'_>,
            _: &[rustls_pki_types::CertificateDer<'_>],
            _: &rustls_pki_types::ServerName<'_>,
            _: &[u8],
            _: rustls_pki_types::UnixTime,
        ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            _: &[u8],
            _: &rustls_pki_types::CertificateDer<'_>,
            _: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            Err(rustls::Error::General("TLS 1.3 only".into()))
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &rustls_pki_types::CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

#[test]
fn a_relay_in_the_middle_of_an_enrolment_is_refused_by_the_hub_and_learns_nothing_it_can_use() {
    let hub = Hub::start();
    let relay = start_relay(hub.addr);
    let dir = tempfile::tempdir().unwrap();
    let code = hub.code("kiosk-1");
    // Through the relay: the station proves the relay's certificate, which the hub refuses (and
    // counts against the code).
    let through = office::station::enrol(
        &dir.path().join("a"),
        &relay.to_string(),
        &code,
        "Booth 1",
        interview::MachineRole::Station,
    );
    assert_eq!(refused_code(through), "office.enrolment_refused");
    assert!(!office::station::is_station(&dir.path().join("a")), "nothing kept after a refused enrolment");
    let mut vault = hub.vault();
    let admin = hub.sign_in(&mut vault, "admin");
    assert!(vault.list_stations(&admin).unwrap().is_empty());
    assert_eq!(hub.audited("office.enrol_proof_failed"), 1, "the relay's failed proof counted against the code");
    // The relay check is the proof, not the network: straight to the hub, the same code works.
    office::station::enrol(&dir.path().join("b"), &hub.hub(), &code, "Booth 1", interview::MachineRole::Station)
        .unwrap();
    assert_eq!(vault.list_stations(&admin).unwrap().len(), 1);
}

#[test]
fn a_forged_certificate_a_missing_one_and_a_revoked_station_are_refused() {
    let hub = Hub::start();
    let dir = tempfile::tempdir().unwrap();
    let (config, client) = enrolled(&hub, dir.path(), "kiosk-1", "Booth 1");
    assert!(hello(&client).is_ok());
    // A station certificate from another office's authority: the TLS handshake fails.
    let (key_pkcs8, cert_der) = office::ca::new_authority("elsewhere").unwrap();
    let other = vault::OfficeAuthority { key_pkcs8, cert_der };
    let (key, csr) = office::ca::station_request("forged").unwrap();
    let forged_cert = office::ca::issue_station_certificate(&other, &csr).unwrap();
    let forged = HubClient::for_station(&hub.hub(), &config.authority_cert_der, &forged_cert, &key).unwrap();
    assert!(hello(&forged).unwrap_err().is_unreachable(), "the handshake itself is refused");
    // No certificate at all: the enrolment connection reaches only `enrol` and `ping`.
    let (anonymous, _) = HubClient::for_enrolment(&hub.hub()).unwrap();
    assert_eq!(refused_code(hello(&anonymous)), "office.no_certificate");
    // Revoked: the next request is refused, and audited.
    let mut vault = hub.vault();
    let admin = hub.sign_in(&mut vault, "admin");
    vault.revoke_station(&admin, config.station_id).unwrap();
    assert_eq!(refused_code(hello(&client)), "office.station_revoked");
    assert!(hub.denials("office.station_refused") >= 1);
    // Renaming is audited and shown; a name with control characters is refused.
    vault.rename_station(&admin, config.station_id, "Booth 1 (old)").unwrap();
    assert!(vault.rename_station(&admin, config.station_id, "bad\nname").is_err());
    assert_eq!(vault.list_stations(&admin).unwrap()[0].name, "Booth 1 (old)");
}

/// A station's kiosk window is signed in at the hub with the kiosk account the station is bound
/// to: a wrong password is refused (and counted there), another valid account is refused, and
/// the password accepted is recognised again for closing the kiosk while the hub is away.
#[test]
fn staff_sign_in_at_a_station_is_checked_at_the_hub_against_the_bound_account() {
    let hub = Hub::start();
    let dir = tempfile::tempdir().unwrap();
    enrolled(&hub, dir.path(), "kiosk-1", "Booth 1");
    let station = office::station::Station::open(dir.path(), None).unwrap();
    assert_eq!(refused_code(station.check_staff("kiosk-1", "not the password")), "auth.bad_credentials");
    let failed = {
        let mut vault = hub.vault();
        let admin = hub.sign_in(&mut vault, "admin");
        let log = vault.audit_log(&admin, None, 100_000).unwrap();
        log.iter().filter(|r| r.action == "auth.login" && r.outcome == "failed").count()
    };
    assert_eq!(failed, 1, "the wrong password was not counted at the hub");
    // kiosk-2 is a valid kiosk account of the hub, but not the one this station acts as.
    let other = station.check_staff("kiosk-2", PASSWORD).unwrap_err();
    assert!(matches!(&other, OfficeError::Refused { code, .. } if code == "office.wrong_account"), "{other:?}");
    assert!(interview::UserFacing::user_message(&other).en.contains("kiosk-1"));
    let staff = station.check_staff("kiosk-1", PASSWORD).unwrap();
    assert_eq!(staff.username, "kiosk-1");
    drop(hub);
    assert!(staff.password_matches(PASSWORD));
    assert!(!staff.password_matches("not the password"));
    assert!(!staff.password_matches(""));
}

/// A staff workstation enrols with a workstation code (a station's code does not make one, nor
/// the other way round, and a code typed on the wrong kind of machine stays usable); the hub
/// lists it as a workstation and notes its hello, but refuses it every kiosk station's route —
/// it acts as no account — and refuses it once revoked.
#[test]
fn a_workstation_enrols_with_its_own_code_and_cannot_act_as_a_station() {
    use interview::MachineRole;
    let hub = Hub::start();
    let dir = tempfile::tempdir().unwrap();
    let workstation_code = {
        let mut vault = hub.vault();
        let admin = hub.sign_in(&mut vault, "admin");
        office::hub::new_enrolment_code(&mut vault, &admin, office::hub::CodeFor::Workstation).unwrap()
    };
    // Typed on a station: refused, and the code is still good for the workstation.
    let wrong =
        office::station::enrol(&dir.path().join("s"), &hub.hub(), &workstation_code, "Booth", MachineRole::Station);
    assert_eq!(refused_code(wrong), "office.code_for_other_machine");
    assert!(!dir.path().join("s/station/station.json").exists(), "a refused enrolment kept something");
    let station_code = hub.code("kiosk-1");
    let wrong = office::workstation::enrol(&dir.path().join("w0"), &hub.hub(), &station_code, "Desk 0");
    assert_eq!(refused_code(wrong), "office.code_for_other_machine");

    let config = office::workstation::enrol(&dir.path().join("w"), &hub.hub(), &workstation_code, "Desk 3").unwrap();
    assert_eq!(config.role, MachineRole::Workstation);
    assert_eq!(office::station::enrolled_as(&dir.path().join("w")), Some(MachineRole::Workstation));
    assert!(!office::station::is_station(&dir.path().join("w")));
    assert!(matches!(office::station::Station::open(&dir.path().join("w"), None), Err(OfficeError::NotAStation(_))));
    let said = office::workstation::hello(&dir.path().join("w")).unwrap();
    assert_eq!(said.station_id, config.station_id);
    let listed = {
        let mut vault = hub.vault();
        let admin = hub.sign_in(&mut vault, "admin");
        vault.list_stations(&admin).unwrap()
    };
    let row = listed.iter().find(|s| s.id == config.station_id).unwrap();
    assert_eq!(row.role, MachineRole::Workstation);
    assert!(row.presence.last_seen_at_ms.is_some(), "the hello was not noted");

    // Its certificate on a station's routes: refused and audited, whatever it asks.
    let client = client_of(&config);
    let (_, code) = hub.invitation();
    let check_in: Result<wire::CheckInResponse, _> =
        client.post("/check-in", &wire::CodeRequest { code: code.clone(), id_last4: None });
    assert_eq!(refused_code(check_in), "office.wrong_machine");
    assert_eq!(refused_code(hello(&client)), "office.wrong_machine");
    assert_eq!(refused_code(journal(&client, 1, segment(1, 0, b"x"))), "office.wrong_machine");
    let work: Result<wire::WorkResponse, _> =
        client.post("/work", &wire::WorkRequest { versions: HUB_VERSIONS.into() });
    assert_eq!(refused_code(work), "office.wrong_machine");
    assert!(hub.denials("office.station_refused") >= 4);
    // The code is spent; revoked, the workstation is refused.
    let again = office::workstation::enrol(&dir.path().join("w2"), &hub.hub(), &workstation_code, "Desk 4");
    assert_eq!(refused_code(again), "office.enrolment_refused");
    {
        let mut vault = hub.vault();
        let admin = hub.sign_in(&mut vault, "admin");
        assert_eq!(vault.rename_station(&admin, config.station_id, "Desk 5").unwrap(), MachineRole::Workstation);
        assert_eq!(vault.revoke_station(&admin, config.station_id).unwrap(), MachineRole::Workstation);
        // Audited as what it is: a workstation renamed and revoked, not a kiosk station.
        let mut changed: Vec<_> = vault
            .audit_log(&admin, None, 1_000)
            .unwrap()
            .into_iter()
            .filter(|r| r.action.ends_with("_revoked") || r.action.ends_with("_renamed"))
            .map(|r| (r.action, r.object))
            .collect();
        changed.sort();
        let object = format!("workstation:{}", config.station_id);
        assert_eq!(
            changed,
            [
                ("office.workstation_renamed".to_owned(), object.clone()),
                ("office.workstation_revoked".to_owned(), object)
            ]
        );
    }
    assert_eq!(refused_code(office::workstation::hello(&dir.path().join("w"))), "office.workstation_revoked");
    assert!(hub.denials("office.workstation_refused") >= 1);
}

#[test]
fn journal_entries_are_applied_once_in_order_and_only_for_this_stations_interviews() {
    let hub = Hub::start();
    let dir = tempfile::tempdir().unwrap();
    let (_, one) = enrolled(&hub, &dir.path().join("1"), "kiosk-1", "Booth 1");
    let (_, two) = enrolled(&hub, &dir.path().join("2"), "kiosk-2", "Booth 2");
    let (question, code) = hub.invitation();
    // Checked in and consented at station one, through the hub.
    let plan: wire::CheckInResponse =
        one.post("/check-in", &wire::CodeRequest { code: code.clone(), id_last4: None }).unwrap();
    let interview_id = plan.plan.interview_id;
    one.post_empty("/consent", &wire::ConsentRequest { interview_id, given: true }).unwrap();
    // A spent code is refused at the other station.
    let again: Result<wire::CheckInResponse, _> = two.post("/check-in", &wire::CodeRequest { code, id_last4: None });
    assert!(matches!(again, Err(OfficeError::Refused { .. })));
    // Nor may it record consent for (or end) an interview checked in at station one.
    let forged = two.post_empty("/consent", &wire::ConsentRequest { interview_id, given: false });
    assert!(matches!(forged, Err(OfficeError::Refused { .. })), "{forged:?}");

    let begin = wire::Entry::AnswerBegin { interview_id, question_id: question };
    // Out of order: the hub says where it is.
    match journal(&one, 2, begin.clone()) {
        Err(OfficeError::Refused { status: 409, expected: Some(1), .. }) => {}
        other => panic!("expected 409 expecting 1, got {other:?}"),
    }
    assert_eq!(journal(&one, 1, begin.clone()).unwrap().outcome, Applied::Stored);
    // A kiosk signing in on the hub's own machine does not close a station's open answer.
    {
        let mut vault = hub.vault();
        let kiosk = hub.sign_in(&mut vault, "kiosk-1");
        assert!(vault.unfinished_answers(&kiosk).unwrap().is_empty());
    }
    // The same request again (a retry, or a replay of a recorded request): refused, audited,
    // nothing stored twice.
    assert_eq!(journal(&one, 1, begin.clone()).unwrap().outcome, Applied::Duplicate);
    let wav = b"RIFF....WAVEfmt not really audio";
    assert_eq!(journal(&one, 2, segment(1, 0, wav)).unwrap().outcome, Applied::Stored);
    assert_eq!(journal(&one, 2, segment(1, 0, wav)).unwrap().outcome, Applied::Duplicate);
    assert_eq!(hub.denials("station.duplicate"), 2);
    // A segment whose bytes do not match the hash recorded with them: refused, not stored, and
    // the journal moves past it.
    let mut bad = segment(1, 1, wav);
    if let wire::Entry::Segment { parts, .. } = &mut bad {
        parts[0].bytes[0] ^= 1;
    }
    let refused = journal(&one, 3, bad).unwrap();
    assert_eq!((refused.outcome, refused.applied_seq), (Applied::Refused, 3));
    // Station two may not add to station one's interview, nor to its answer.
    let two_begin = wire::Entry::AnswerBegin { interview_id, question_id: question };
    assert_eq!(journal(&two, 1, two_begin).unwrap().outcome, Applied::Refused);
    assert_eq!(journal(&two, 2, segment(1, 5, wav)).unwrap().outcome, Applied::Refused);
    assert!(hub.denials("station.foreign_interview") >= 1);
    assert!(hub.denials("station.foreign_answer") >= 1);
    // A part of a kind the hub does not store is refused for good, as is a device event with
    // a name that is not one (the journal moves on, nothing is stored).
    let mut odd = segment(1, 2, wav);
    if let wire::Entry::Segment { parts, .. } = &mut odd {
        parts[0].kind = "script".into();
    }
    let refused = journal(&one, 4, odd).unwrap();
    assert_eq!((refused.outcome, refused.applied_seq), (Applied::Refused, 4));
    let shouted = wire::Entry::CaptureEvent { answer_key: 1, event: "DROP TABLE".into() };
    assert_eq!(journal(&one, 5, shouted).unwrap().outcome, Applied::Refused);
    // The station's follow-up decision is kept with the answer; a malformed one is refused.
    let decided = interview::follow_up::StoredFollowUp {
        ordinal: 1,
        outcome: interview::follow_up::FollowUpOutcome::Late,
        key_point: None,
        question: None,
        first_segment: None,
        decision: Some(interview::follow_up::FollowUpDecision {
            missing: vec![],
            transcript: vec![],
            segments: 0,
            recorded: 1,
            waited_ms: 2500,
        }),
    };
    let follow_up = wire::Entry::FollowUp { answer_key: 1, record: decided.clone() };
    assert_eq!(journal(&one, 6, follow_up).unwrap().outcome, Applied::Stored);
    let twice = wire::Entry::FollowUp { answer_key: 1, record: decided.clone() };
    assert_eq!(journal(&one, 7, twice).unwrap().outcome, Applied::Refused);
    // Station one finishes; the hub has one segment of one committed answer, the interview is
    // completed and queued for scoring.
    assert_eq!(
        journal(&one, 8, wire::Entry::AnswerFinish { answer_key: 1, committed: true }).unwrap().outcome,
        Applied::Stored
    );
    // A device event for the answer now closed (a station's late "recovered") is refused.
    let late = wire::Entry::CaptureEvent { answer_key: 1, event: "recovered".into() };
    assert_eq!(journal(&one, 9, late).unwrap().outcome, Applied::Refused);
    assert_eq!(journal(&one, 10, wire::Entry::InterviewFinish { interview_id }).unwrap().outcome, Applied::Stored);
    let mut vault = hub.vault();
    let clerk = hub.sign_in(&mut vault, "clerk");
    let (_, answers) = vault.interview_answers(&clerk, interview_id).unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(vault.answer_follow_ups(answers[0].answer_id).unwrap(), [decided]);
    let media = vault.answer_media(&clerk, answers[0].answer_id).unwrap();
    assert_eq!(media.len(), 1, "one segment, stored once: {media:?}");
    let mut stored = Vec::new();
    vault.read_media(&clerk, media[0].id, &mut stored).unwrap();
    assert_eq!(stored, wav);
    let (waiting, _) = vault.scoring_queue_counts().unwrap();
    assert_eq!(waiting, 2, "the answer and the interview's total");
    let admin = hub.sign_in(&mut vault, "admin");
    let check = vault.check(&admin).unwrap();
    assert_eq!((check.media_files, check.orphan_files), (1, 0), "{check:?}");
    // The hello says how far the hub has applied each station's journal.
    assert_eq!(hello(&one).unwrap().applied_seq, 10);
    assert_eq!(hello(&two).unwrap().applied_seq, 2);
}

fn lease(client: &HubClient, versions: &str) -> Result<wire::WorkResponse, OfficeError> {
    client.post("/work", &wire::WorkRequest { versions: versions.into() })
}

/// What a worker hands in for an answer (no model needed to test the hub's rules): its
/// transcript, empty.
fn record_for(answer_id: i64) -> vault::ScoringRecord {
    vault::ScoringRecord {
        model_versions: "test".into(),
        transcripts: vec![vault::NewTranscript { answer_id, language: Lang::ZhCn, lines: Vec::new(), delivery: None }],
        scores: Vec::new(),
        flags: Vec::new(),
    }
}

#[test]
fn scoring_is_leased_to_one_worker_at_a_time_the_first_result_wins_and_other_versions_get_nothing() {
    let hub = Hub::start();
    let dir = tempfile::tempdir().unwrap();
    let (_, one) = enrolled(&hub, &dir.path().join("1"), "kiosk-1", "Booth 1");
    let (_, two) = enrolled(&hub, &dir.path().join("2"), "kiosk-2", "Booth 2");
    let (question, code) = hub.invitation();
    let plan: wire::CheckInResponse = one.post("/check-in", &wire::CodeRequest { code, id_last4: None }).unwrap();
    let interview_id = plan.plan.interview_id;
    one.post_empty("/consent", &wire::ConsentRequest { interview_id, given: true }).unwrap();
    let wav = b"RIFF-pretend-WAVE";
    // A segment of audio and video: the video's media row comes right after the audio's.
    let mut both = segment(1, 0, wav);
    if let wire::Entry::Segment { parts, .. } = &mut both {
        let webm = b"webm, pretend".to_vec();
        parts.push(wire::Part {
            kind: "video".into(),
            format: vault::media_format::WEBM_VP9.into(),
            offset_ms: 0,
            duration_ms: 2000,
            sha256: Sha256::digest(&webm).into(),
            bytes: webm,
        });
    }
    for (seq, entry) in [
        wire::Entry::AnswerBegin { interview_id, question_id: question },
        both,
        wire::Entry::AnswerFinish { answer_key: 1, committed: true },
        wire::Entry::InterviewFinish { interview_id },
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(journal(&one, seq as i64 + 1, entry).unwrap().outcome, Applied::Stored);
    }
    // A worker running other models or another program gets nothing, and it is audited.
    let other = lease(&two, "interview-kiosk 0.0.1; assets ffffffffffffffff");
    assert_eq!(refused_code(other), "office.version_mismatch");
    assert_eq!(hub.denials("score.worker_refused"), 1);

    // Worker one leases the answer and reads its audio — only its own job's media.
    let first = lease(&one, HUB_VERSIONS).unwrap().work.expect("an answer to score");
    let media = first.answer.audio_media[0];
    let fetched = one
        .post_bytes("/work/media", &wire::MediaRequest { job_id: first.job_id, token: first.token, media_id: media });
    assert_eq!(fetched.unwrap(), wav);
    let forged = wire::MediaRequest { job_id: first.job_id, token: [7; 16], media_id: media };
    assert!(matches!(two.post_bytes("/work/media", &forged), Err(OfficeError::Refused { .. })));
    // Under its own lease a worker gets the audio and stills only, not the answer's video.
    let other = wire::MediaRequest { job_id: first.job_id, token: first.token, media_id: media + 1 };
    assert!(matches!(one.post_bytes("/work/media", &other), Err(OfficeError::Refused { .. })));
    // Leased, so not handed out again until the lease expires…
    assert!(lease(&two, HUB_VERSIONS).unwrap().work.is_none());
    // …as if worker one stopped: then worker two gets it.
    hub.clock.fetch_add(61_000, Ordering::SeqCst);
    let second = lease(&two, HUB_VERSIONS).unwrap().work.expect("the expired lease's answer");
    assert_eq!(second.job_id, first.job_id);
    assert_ne!(second.token, first.token);
    // The first lease is no longer the job's: it reads nothing and gives up nothing.
    let stale = wire::MediaRequest { job_id: first.job_id, token: first.token, media_id: media };
    assert!(matches!(one.post_bytes("/work/media", &stale), Err(OfficeError::Refused { .. })));
    one.post_empty("/work/failed", &wire::FailedRequest { job_id: first.job_id, token: first.token, code: "x".into() })
        .unwrap();
    assert!(lease(&one, HUB_VERSIONS).unwrap().work.is_none(), "a stale lease's failure requeued the job");
    // Worker two finishes first and is recorded; worker one's late result is dropped.
    let answer_id = first.answer.answer_id;
    let done: wire::ResultResponse = two
        .post(
            "/work/result",
            &wire::ResultRequest { job_id: second.job_id, token: second.token, record: record_for(answer_id) },
        )
        .unwrap();
    assert_eq!(done.completion, vault::Completion::Recorded);
    let late: wire::ResultResponse = one
        .post(
            "/work/result",
            &wire::ResultRequest { job_id: first.job_id, token: first.token, record: record_for(answer_id) },
        )
        .unwrap();
    assert_eq!(late.completion, vault::Completion::Dropped);
    assert_eq!(hub.denials("score.duplicate_dropped"), 1);
    // A result that speaks of another answer is refused.
    let mut wrong = record_for(answer_id + 100);
    wrong.transcripts[0].answer_id = answer_id + 100;
    let refused: Result<wire::ResultResponse, _> =
        one.post("/work/result", &wire::ResultRequest { job_id: first.job_id, token: first.token, record: wrong });
    assert!(refused.is_err());
    // The hub recorded the interview's total itself once its answer was in: nothing waits.
    let vault = hub.vault();
    assert_eq!(vault.scoring_queue_counts().unwrap(), (0, 0));
    assert!(lease(&one, HUB_VERSIONS).unwrap().work.is_none());
}
