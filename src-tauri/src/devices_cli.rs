//! `interview-kiosk devices`: the cameras and microphones this kiosk sees, and the choice it
//! remembers (in its data directory, not the vault).

use std::path::Path;

use capture::devices::{self, DeviceChoice};
use capture::{CaptureError, DeviceInfo, DeviceKind};
use interview::Lang;

use crate::error::ShellError;
use crate::selftest::t;

#[derive(Debug, clap::Args)]
pub struct DevicesArgs {
    /// Remember this camera for the kiosk (an id from the list).
    #[arg(long)]
    camera: Option<String>,
    /// Remember this microphone for the kiosk (an id from the list).
    #[arg(long)]
    microphone: Option<String>,
    /// Print the list as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: DevicesArgs, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let mut listed = devices::list();
    for (id, name, kind) in crate::kiosk::SYNTHETIC_DEVICES {
        listed.push(DeviceInfo { id: id.into(), name: name.into(), kind, synthetic: true });
    }
    let mut choice = DeviceChoice::load(data_dir);
    let known = |id: &str, kind: DeviceKind| listed.iter().any(|d| d.id == id && d.kind == kind);
    if let Some(id) = args.camera {
        if !known(&id, DeviceKind::Camera) {
            return Err(CaptureError::UnknownDevice(id).into());
        }
        choice.camera = Some(id);
    }
    if let Some(id) = args.microphone {
        if !known(&id, DeviceKind::Microphone) {
            return Err(CaptureError::UnknownDevice(id).into());
        }
        choice.microphone = Some(id);
    }
    choice.save(data_dir)?;
    if args.json {
        let out = serde_json::json!({ "devices": listed, "chosen": choice });
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| ShellError::Internal(e.to_string()))?);
        return Ok(());
    }
    for kind in [DeviceKind::Camera, DeviceKind::Microphone] {
        let chosen = match kind {
            DeviceKind::Camera => choice.camera.as_deref(),
            DeviceKind::Microphone => choice.microphone.as_deref(),
        };
        println!(
            "{}",
            match kind {
                DeviceKind::Camera => t(lang, "摄像头：", "Cameras:"),
                DeviceKind::Microphone => t(lang, "麦克风：", "Microphones:"),
            }
        );
        let of_kind: Vec<&DeviceInfo> = listed.iter().filter(|d| d.kind == kind && !d.synthetic).collect();
        if of_kind.is_empty() {
            println!("  {}", t(lang, "（未发现设备）", "(none found)"));
        }
        for d in of_kind.into_iter().chain(listed.iter().filter(|d| d.kind == kind && d.synthetic)) {
            let mark = if Some(d.id.as_str()) == chosen { "*" } else { " " };
            let note =
                if d.synthetic { t(lang, "（模拟，仅供测试）", " (synthetic, for testing)") } else { "" };
            println!(" {mark} {:<28} {}{note}", d.id, d.name);
        }
    }
    Ok(())
}
