//! Encoding one segment: VP9 (libvpx, real-time mode) muxed into a self-contained WebM that
//! starts on a keyframe, and 16-bit PCM WAV for audio. Why VP9/WebM: see ARCHITECTURE.md.

use std::io::Cursor;

use webm::mux::{SegmentBuilder, SegmentMode, VideoCodecId, VideoTrack, Writer};

use crate::error::CaptureError;
use crate::frame::VideoFrame;

/// The video of one segment, encoding.
pub struct SegmentVideo {
    encoder: vpx_encode::Encoder,
    mux: webm::mux::Segment<Cursor<Vec<u8>>>,
    track: VideoTrack,
    start_us: i64,
    last_us: i64,
    width: u32,
    height: u32,
    pub frames: u32,
}

impl std::fmt::Debug for SegmentVideo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentVideo").field("start_us", &self.start_us).field("frames", &self.frames).finish()
    }
}

/// A finished segment's video.
#[derive(Clone, Debug)]
pub struct EncodedVideo {
    pub webm: Vec<u8>,
    pub frames: u32,
    pub start_us: i64,
    pub duration_us: i64,
}

fn encode_error(what: &str, detail: impl std::fmt::Display) -> CaptureError {
    CaptureError::Encode(format!("{what}: {detail}"))
}

impl SegmentVideo {
    /// Starts a segment whose time zero is `start_us` on the capture clock.
    pub fn new(width: u32, height: u32, start_us: i64, kbps: u32) -> Result<SegmentVideo, CaptureError> {
        let encoder = vpx_encode::Encoder::new(vpx_encode::Config {
            width,
            height,
            timebase: [1, 1000],
            bitrate: kbps,
            codec: vpx_encode::VideoCodecId::VP9,
        })
        .map_err(|e| encode_error("VP9 encoder", e))?;
        let writer = Writer::new(Cursor::new(Vec::with_capacity(256 * 1024)));
        let (builder, track) = SegmentBuilder::new(writer)
            .and_then(|b| b.set_mode(SegmentMode::File))
            .and_then(|b| b.set_writing_app("Interview Kiosk"))
            .and_then(|b| b.add_video_track(width, height, VideoCodecId::VP9, None))
            .map_err(|e| encode_error("WebM muxer", e))?;
        Ok(SegmentVideo { encoder, mux: builder.build(), track, start_us, last_us: start_us, width, height, frames: 0 })
    }

    pub fn fits(&self, frame: &VideoFrame) -> bool {
        frame.width == self.width && frame.height == self.height
    }

    pub fn push(&mut self, frame: &VideoFrame) -> Result<(), CaptureError> {
        let rel_us = (frame.pts_us - self.start_us).max(0);
        let packets = self.encoder.encode(rel_us / 1000, &frame.i420).map_err(|e| encode_error("VP9 encode", e))?;
        for packet in packets {
            let ts_ns = packet.pts.max(0) as u64 * 1_000_000;
            self.mux
                .add_frame(self.track, packet.data, ts_ns, packet.key)
                .map_err(|e| encode_error("WebM frame", e))?;
        }
        self.frames += 1;
        self.last_us = frame.pts_us;
        Ok(())
    }

    /// Drains the encoder and closes the WebM file.
    pub fn finish(self, end_us: i64) -> Result<EncodedVideo, CaptureError> {
        let SegmentVideo { encoder, mut mux, track, start_us, frames, .. } = self;
        let mut rest = encoder.finish().map_err(|e| encode_error("VP9 flush", e))?;
        while let Some(packet) = rest.next().map_err(|e| encode_error("VP9 flush", e))? {
            let ts_ns = packet.pts.max(0) as u64 * 1_000_000;
            mux.add_frame(track, packet.data, ts_ns, packet.key).map_err(|e| encode_error("WebM frame", e))?;
        }
        let duration_us = (end_us - start_us).max(0);
        let writer = mux
            .finalize(Some((duration_us / 1000) as u64))
            .map_err(|_| CaptureError::Encode("WebM finalize".into()))?;
        Ok(EncodedVideo { webm: writer.into_inner().into_inner(), frames, start_us, duration_us })
    }
}

/// 16-bit PCM WAV of mono samples.
pub fn wav(samples: &[f32], rate: u32) -> Vec<u8> {
    let spec =
        hound::WavSpec { channels: 1, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut out = Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    // Writing to memory fails only on a length over 4 GiB, which a segment never reaches.
    if let Ok(mut writer) = hound::WavWriter::new(&mut out, spec) {
        for s in samples {
            let _ = writer.write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16);
        }
        let _ = writer.finalize();
    }
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{i420_len, rgb_to_i420};

    #[test]
    fn a_segment_is_a_webm_file_with_every_frame() {
        let (w, h) = (64u32, 48u32);
        let mut seg = SegmentVideo::new(w, h, 1_000_000, 300).unwrap();
        for i in 0..10u8 {
            let rgb: Vec<u8> = (0..w * h).flat_map(|p| [i * 20, (p % 255) as u8, 128]).collect();
            let frame = VideoFrame {
                pts_us: 1_000_000 + i64::from(i) * 33_333,
                seq: u64::from(i),
                width: w,
                height: h,
                i420: rgb_to_i420(&rgb, w, h),
            };
            assert_eq!(frame.i420.len(), i420_len(w, h));
            seg.push(&frame).unwrap();
        }
        let out = seg.finish(1_333_333).unwrap();
        assert_eq!(out.frames, 10);
        assert_eq!(&out.webm[..4], &[0x1A, 0x45, 0xDF, 0xA3], "EBML magic");
        assert!(out.webm.windows(4).any(|w| w == b"webm"), "doc type");
        assert!(out.webm.windows(5).any(|w| w == b"V_VP9"), "codec id");
    }

    #[test]
    fn wav_is_sixteen_bit_mono() {
        let bytes = wav(&[0.0, 0.5, -0.5, 1.5], 16_000);
        let reader = hound::WavReader::new(&bytes[..]).unwrap();
        assert_eq!(reader.spec().sample_rate, 16_000);
        assert_eq!(reader.spec().bits_per_sample, 16);
        let samples: Vec<i16> = reader.into_samples::<i16>().map(|s| s.unwrap()).collect();
        assert_eq!(samples, vec![0, 16384, -16384, 32767]);
    }
}
