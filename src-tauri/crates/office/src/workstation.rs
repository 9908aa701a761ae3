//! A staff workstation of a hub: enrolled like a kiosk station (one-time code, mutual TLS,
//! revocation) but acting as no account — people sign in at it with their own. It keeps its
//! certificate and settings (`<data dir>/station/station.json`, role `workstation`; its key in the
//! credential store), never a record of the agency.

use std::path::Path;

use interview::MachineRole;

use crate::enrol::EnrolmentCode;
use crate::error::OfficeError;
use crate::station::{self, StationConfig};
use crate::wire;

/// Makes this installation a staff workstation of the hub at `hub` with a workstation code.
pub fn enrol(data_dir: &Path, hub: &str, code: &EnrolmentCode, name: &str) -> Result<StationConfig, OfficeError> {
    station::enrol(data_dir, hub, code, name, MachineRole::Workstation)
}

/// Says hello to the hub as this workstation: the hub notes it as seen, or refuses it (revoked,
/// unknown, or enrolled as a station).
pub fn hello(data_dir: &Path) -> Result<wire::HelloResponse, OfficeError> {
    let config = station::load_config(data_dir)?;
    if config.role != MachineRole::Workstation {
        return Err(OfficeError::NotAStation(data_dir.join("station/station.json")));
    }
    let client = station::client(data_dir)?;
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    client.post(
        "/hello",
        &wire::Hello { station_time_ms: now, backlog: 0, versions: None, role: MachineRole::Workstation },
    )
}
