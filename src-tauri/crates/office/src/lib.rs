//! An office of several machines on one LAN: one **hub** holds the vault; **kiosk stations**
//! record candidates and hand the hub every segment through their journal.
//!
//! - [`enrol`]: one-time enrolment codes and the proofs that make them authenticate both ends;
//! - [`ca`]: the hub as the certificate authority of its stations;
//! - [`wire`]: what crosses the network (JSON over HTTPS with mutual TLS);
//! - [`hub`]: the hub's server over its vault;
//! - [`client`]: the station's connection to the hub;
//! - [`spool`]: the station's journal on disk, sealed, until the hub acknowledges it;
//! - [`station`]: enrolment, the visit's steps through the hub, the forwarder;
//! - [`worker`]: scoring answers the hub leases out, on any machine of the office;
//! - [`workstation`]: a staff workstation's enrolment and hello (it acts as no account).

pub mod ca;
pub mod client;
pub mod enrol;
mod error;
pub mod hub;
pub mod spool;
pub mod station;
pub mod wire;
pub mod worker;
pub mod workstation;

pub use enrol::EnrolmentCode;
pub use error::OfficeError;
