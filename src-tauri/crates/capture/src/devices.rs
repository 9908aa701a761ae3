//! Real devices: cameras through nokhwa, microphones through cpal. Each device lives on its own
//! thread (neither library's handles may cross threads) and delivers through a channel, so a
//! hung driver shows up as a timeout rather than a hung kiosk. Also: listing devices, and the
//! choice remembered per kiosk.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use serde::{Deserialize, Serialize};

use crate::error::CaptureError;
use crate::frame::{AudioChunk, Clock, VideoFrame, rgb_to_i420};
use crate::source::{AudioSource, DeviceInfo, DeviceKind, SourceError, VideoSource};

/// Every camera and microphone this kiosk can see (real ones; the synthetic ones are listed by
/// the caller that offers them).
pub fn list() -> Vec<DeviceInfo> {
    let mut out = Vec::new();
    match nokhwa::query(nokhwa::utils::ApiBackend::Auto) {
        Ok(cameras) => {
            for camera in cameras {
                out.push(DeviceInfo {
                    id: format!("camera:{}", camera.index()),
                    name: camera.human_name(),
                    kind: DeviceKind::Camera,
                    synthetic: false,
                });
            }
        }
        Err(error) => tracing::warn!(%error, "cannot list cameras"),
    }
    let host = cpal::default_host();
    match host.input_devices() {
        Ok(devices) => {
            for device in devices {
                let Ok(id) = device.id() else { continue };
                let id = id.to_string();
                let description = device.description().map(|d| d.name().to_owned()).unwrap_or_default();
                if !is_microphone(&id, &description) {
                    continue;
                }
                let name = microphone_name(&id, &description);
                out.push(DeviceInfo { id, name, kind: DeviceKind::Microphone, synthetic: false });
            }
        }
        Err(error) => tracing::warn!(%error, "cannot list microphones"),
    }
    out
}

/// Whether an input device is worth offering as a microphone: ALSA's `null` device ("Discard
/// all samples (playback) or generate zero samples (capture)") records silence and is not.
fn is_microphone(id: &str, description: &str) -> bool {
    !(id.ends_with(":null") || description.starts_with("Discard all samples"))
}

/// A microphone's name as a person reads it: the description's first line ("HDA Intel PCH,
/// ALC892 Analog" rather than all of "…\nFront microphone"), else for a bare ALSA id the card's
/// name (`alsa:sysdefault:CARD=PCH` → "PCH"), else the id without its host.
fn microphone_name(id: &str, description: &str) -> String {
    if let Some(first) = description.lines().map(str::trim).find(|l| !l.is_empty()) {
        return first.to_owned();
    }
    let bare = id.split_once(':').map_or(id, |(_, rest)| rest);
    match bare.split_once("CARD=") {
        Some((_, card)) => card.split(',').next().unwrap_or(card).to_owned(),
        None => bare.to_owned(),
    }
}

/// The camera and microphone chosen for this kiosk, kept in its data directory (not the vault:
/// the choice belongs to the machine, not to the agency's records).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceChoice {
    pub camera: Option<String>,
    pub microphone: Option<String>,
}

impl DeviceChoice {
    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("devices.json")
    }

    /// The remembered choice; nothing chosen yet (or an unreadable file) means the defaults.
    pub fn load(data_dir: &Path) -> DeviceChoice {
        match std::fs::read(DeviceChoice::path(data_dir)) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                tracing::warn!(%error, "devices.json unreadable; using the default devices");
                DeviceChoice::default()
            }),
            Err(_) => DeviceChoice::default(),
        }
    }

    /// Saves the choice (written to a temporary file and renamed, so it is never half-written).
    pub fn save(&self, data_dir: &Path) -> Result<(), CaptureError> {
        std::fs::create_dir_all(data_dir).map_err(CaptureError::io(data_dir))?;
        let path = DeviceChoice::path(data_dir);
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| CaptureError::Encode(e.to_string()))?;
        std::fs::write(&tmp, bytes).map_err(CaptureError::io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(CaptureError::io(&path))
    }
}

/// Opens a camera by its listed id (`camera:<index>`).
pub fn camera(id: &str) -> Result<NokhwaCamera, CaptureError> {
    let index = id
        .strip_prefix("camera:")
        .and_then(|i| i.parse::<u32>().ok())
        .ok_or_else(|| CaptureError::UnknownDevice(id.to_owned()))?;
    Ok(NokhwaCamera::new(index))
}

/// Opens a microphone by its listed id (a cpal id such as `alsa:default`), or the default one.
pub fn microphone(id: Option<&str>) -> Result<CpalMicrophone, CaptureError> {
    if let Some(id) = id {
        id.parse::<cpal::DeviceId>().map_err(|_| CaptureError::UnknownDevice(id.to_owned()))?;
    }
    Ok(CpalMicrophone::new(id.map(str::to_owned)))
}

/// A device thread and what it delivers.
struct Running<T> {
    rx: Receiver<Result<T, SourceError>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl<T> Running<T> {
    fn next(&mut self, device: &str, timeout: Duration) -> Result<T, SourceError> {
        match self.rx.recv_timeout(timeout) {
            Ok(item) => item,
            Err(RecvTimeoutError::Timeout) => {
                Err(SourceError::Stalled { device: device.to_owned(), ms: timeout.as_millis() as u64 })
            }
            Err(RecvTimeoutError::Disconnected) => Err(SourceError::Disconnected { device: device.to_owned() }),
        }
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts `body` on its own thread and waits for it to report that the device is open.
fn run_device<T: Send + 'static>(
    name: &str,
    body: impl FnOnce(mpsc::SyncSender<Result<(), SourceError>>, mpsc::SyncSender<Result<T, SourceError>>, Arc<AtomicBool>)
    + Send
    + 'static,
) -> Result<Running<T>, SourceError> {
    let (ready_tx, ready_rx) = mpsc::sync_channel(1);
    let (tx, rx) = mpsc::sync_channel(64);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || body(ready_tx, tx, flag))
        .map_err(|e| SourceError::Failed { device: name.to_owned(), detail: e.to_string() })?;
    let mut running = Running { rx, stop, thread: Some(thread) };
    match ready_rx.recv_timeout(Duration::from_secs(5)) {
        Ok(Ok(())) => Ok(running),
        Ok(Err(error)) => {
            running.stop();
            Err(error)
        }
        Err(_) => {
            running.stop();
            Err(SourceError::Failed { device: name.to_owned(), detail: "did not open within 5 s".into() })
        }
    }
}

/// A camera through nokhwa (V4L2 on Linux, Media Foundation on Windows), asked for 640×480 at
/// 30 fps or the closest it offers.
pub struct NokhwaCamera {
    index: u32,
    running: Option<Running<VideoFrame>>,
}

impl std::fmt::Debug for NokhwaCamera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NokhwaCamera").field("index", &self.index).finish_non_exhaustive()
    }
}

impl NokhwaCamera {
    pub fn new(index: u32) -> NokhwaCamera {
        NokhwaCamera { index, running: None }
    }
    fn id(&self) -> String {
        format!("camera:{}", self.index)
    }
}

fn camera_thread(
    index: u32,
    id: String,
    clock: Clock,
    ready: mpsc::SyncSender<Result<(), SourceError>>,
    tx: mpsc::SyncSender<Result<VideoFrame, SourceError>>,
    stop: Arc<AtomicBool>,
) {
    use nokhwa::pixel_format::RgbFormat;
    use nokhwa::utils::{CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};
    let failed = |detail: String| SourceError::Failed { device: id.clone(), detail };
    let wanted = CameraFormat::new_from(640, 480, FrameFormat::MJPEG, 30);
    let format = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted));
    let opened = nokhwa::Camera::new(CameraIndex::Index(index), format).and_then(|mut camera| {
        camera.open_stream()?;
        Ok(camera)
    });
    let mut camera = match opened {
        Ok(camera) => camera,
        Err(error) => {
            let none = nokhwa::query(nokhwa::utils::ApiBackend::Auto).map(|c| c.is_empty()).unwrap_or(true);
            let _ = ready.send(Err(if none {
                SourceError::NoDevice { kind: DeviceKind::Camera }
            } else {
                failed(error.to_string())
            }));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    let mut seq = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let frame = camera.frame().and_then(|buffer| buffer.decode_image::<RgbFormat>());
        let item = match frame {
            Ok(rgb) => {
                let (w, h) = (rgb.width() & !1, rgb.height() & !1);
                let rgb = if (w, h) == rgb.dimensions() {
                    rgb
                } else {
                    image::imageops::crop_imm(&rgb, 0, 0, w, h).to_image()
                };
                seq += 1;
                Ok(VideoFrame {
                    pts_us: clock.now_us(),
                    seq,
                    width: w,
                    height: h,
                    i420: rgb_to_i420(rgb.as_raw(), w, h),
                })
            }
            Err(error) => Err(SourceError::Disconnected { device: format!("{id}: {error}") }),
        };
        let gone = item.is_err();
        if tx.send(item).is_err() || gone {
            break;
        }
    }
    let _ = camera.stop_stream();
}

impl VideoSource for NokhwaCamera {
    fn info(&self) -> DeviceInfo {
        DeviceInfo { id: self.id(), name: format!("Camera {}", self.index), kind: DeviceKind::Camera, synthetic: false }
    }

    fn open(&mut self, clock: Clock) -> Result<(), SourceError> {
        self.close();
        let (index, id) = (self.index, self.id());
        self.running =
            Some(run_device("camera", move |ready, tx, stop| camera_thread(index, id, clock, ready, tx, stop))?);
        Ok(())
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<VideoFrame, SourceError> {
        let id = self.id();
        match self.running.as_mut() {
            Some(running) => running.next(&id, timeout),
            None => Err(SourceError::Disconnected { device: id }),
        }
    }

    fn close(&mut self) {
        if let Some(mut running) = self.running.take() {
            running.stop();
        }
    }
}

impl Drop for NokhwaCamera {
    fn drop(&mut self) {
        self.close();
    }
}

/// A microphone through cpal (ALSA on Linux, WASAPI on Windows), in its default configuration,
/// mixed down to mono.
pub struct CpalMicrophone {
    id: Option<String>,
    running: Option<Running<AudioChunk>>,
}

impl std::fmt::Debug for CpalMicrophone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpalMicrophone").field("id", &self.id).finish_non_exhaustive()
    }
}

impl CpalMicrophone {
    pub fn new(id: Option<String>) -> CpalMicrophone {
        CpalMicrophone { id, running: None }
    }
    fn label(&self) -> String {
        self.id.clone().unwrap_or_else(|| "default microphone".into())
    }
}

fn microphone_thread(
    wanted: Option<String>,
    label: String,
    clock: Clock,
    ready: mpsc::SyncSender<Result<(), SourceError>>,
    tx: mpsc::SyncSender<Result<AudioChunk, SourceError>>,
    stop: Arc<AtomicBool>,
) {
    let failed = |detail: String| SourceError::Failed { device: label.clone(), detail };
    let host = cpal::default_host();
    let device = match &wanted {
        Some(id) => id.parse::<cpal::DeviceId>().ok().and_then(|id| host.device_by_id(&id)),
        None => host.default_input_device(),
    };
    let Some(device) = device else {
        let _ = ready.send(Err(SourceError::NoDevice { kind: DeviceKind::Microphone }));
        return;
    };
    let config = match device.default_input_config() {
        Ok(config) => config,
        Err(error) => {
            let _ = ready.send(Err(failed(error.to_string())));
            return;
        }
    };
    let channels = usize::from(config.channels().max(1));
    let rate = config.sample_rate();
    let data_tx = tx.clone();
    let error_tx = tx.clone();
    let error_label = label.clone();
    let stream = device.build_input_stream::<f32, _, _>(
        config.config(),
        move |data: &[f32], _| {
            let samples: Vec<f32> = data.chunks(channels).map(|c| c.iter().sum::<f32>() / channels as f32).collect();
            // The callback runs when the last sample has arrived: the first one is that much older.
            let pts_us = clock.now_us() - samples.len() as i64 * 1_000_000 / i64::from(rate.max(1));
            let _ = data_tx.try_send(Ok(AudioChunk { pts_us, rate, samples }));
        },
        move |error| {
            let _ = error_tx.try_send(Err(SourceError::Disconnected { device: format!("{error_label}: {error}") }));
        },
        None,
    );
    let stream = match stream
        .map_err(|e| failed(e.to_string()))
        .and_then(|s| s.play().map(|()| s).map_err(|e| failed(e.to_string())))
    {
        Ok(stream) => stream,
        Err(error) => {
            let _ = ready.send(Err(error));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(stream);
}

impl AudioSource for CpalMicrophone {
    fn info(&self) -> DeviceInfo {
        DeviceInfo {
            id: self.id.clone().unwrap_or_else(|| "default".into()),
            name: self.label(),
            kind: DeviceKind::Microphone,
            synthetic: false,
        }
    }

    fn open(&mut self, clock: Clock) -> Result<(), SourceError> {
        self.close();
        let (wanted, label) = (self.id.clone(), self.label());
        self.running = Some(run_device("microphone", move |ready, tx, stop| {
            microphone_thread(wanted, label, clock, ready, tx, stop)
        })?);
        Ok(())
    }

    fn next_chunk(&mut self, timeout: Duration) -> Result<AudioChunk, SourceError> {
        let label = self.label();
        match self.running.as_mut() {
            Some(running) => running.next(&label, timeout),
            None => Err(SourceError::Disconnected { device: label }),
        }
    }

    fn close(&mut self) {
        if let Some(mut running) = self.running.take() {
            running.stop();
        }
    }
}

impl Drop for CpalMicrophone {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alsa_null_device_is_not_offered_and_names_read_as_words() {
        assert!(!is_microphone("alsa:null", "Discard all samples (playback) or generate zero samples (capture)"));
        assert!(is_microphone("alsa:default", "Default ALSA Output"));
        assert_eq!(
            microphone_name("alsa:hw:CARD=PCH,DEV=0", "HDA Intel PCH, ALC892 Analog\nFront microphone"),
            "HDA Intel PCH, ALC892 Analog"
        );
        assert_eq!(microphone_name("alsa:sysdefault:CARD=PCH", ""), "PCH");
        assert_eq!(microphone_name("alsa:pulse", ""), "pulse");
    }
}
