//! Encoding one segment: VP9 (libvpx, real-time mode) and Opus (libopus, the microphone's sound
//! for playback), muxed into a self-contained WebM that starts on a keyframe and plays alone; and
//! 16-bit PCM WAV, the lossless 16 kHz audio scoring reads. Why VP9/WebM: see ARCHITECTURE.md.

use std::io::Cursor;

use webm::mux::{AudioCodecId, SegmentBuilder, SegmentMode, VideoCodecId, Writer};

use crate::error::CaptureError;
use crate::frame::VideoFrame;
use crate::resample::Resampler;

/// One compressed frame or audio packet, timed from the start of its segment.
#[derive(Clone, Debug)]
struct Packet {
    ts_ns: u64,
    data: Vec<u8>,
    key: bool,
}

/// The video of one segment, encoding. Packets are kept until the segment is muxed, because
/// the WebM muxer wants audio and video in one time order and the audio arrives later.
pub struct SegmentVideo {
    encoder: vpx_encode::Encoder,
    start_us: i64,
    width: u32,
    height: u32,
    packets: Vec<Packet>,
    pub frames: u32,
}

impl std::fmt::Debug for SegmentVideo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentVideo").field("start_us", &self.start_us).field("frames", &self.frames).finish()
    }
}

/// A finished segment's WebM (video, and the sound when there was any).
#[derive(Clone, Debug)]
pub struct EncodedVideo {
    pub webm: Vec<u8>,
    pub frames: u32,
    pub start_us: i64,
    pub duration_us: i64,
}

/// A finished segment's video packets, waiting for its audio.
#[derive(Debug)]
pub struct VideoPackets {
    width: u32,
    height: u32,
    packets: Vec<Packet>,
    pub frames: u32,
    pub start_us: i64,
    pub end_us: i64,
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
        Ok(SegmentVideo { encoder, start_us, width, height, packets: Vec::new(), frames: 0 })
    }

    pub fn fits(&self, frame: &VideoFrame) -> bool {
        frame.width == self.width && frame.height == self.height
    }

    pub fn push(&mut self, frame: &VideoFrame) -> Result<(), CaptureError> {
        let rel_us = (frame.pts_us - self.start_us).max(0);
        let packets = self.encoder.encode(rel_us / 1000, &frame.i420).map_err(|e| encode_error("VP9 encode", e))?;
        for p in packets {
            self.packets.push(Packet { ts_ns: p.pts.max(0) as u64 * 1_000_000, data: p.data.to_vec(), key: p.key });
        }
        self.frames += 1;
        Ok(())
    }

    /// Drains the encoder.
    pub fn finish(self, end_us: i64) -> Result<VideoPackets, CaptureError> {
        let SegmentVideo { encoder, start_us, width, height, mut packets, frames } = self;
        let mut rest = encoder.finish().map_err(|e| encode_error("VP9 flush", e))?;
        while let Some(p) = rest.next().map_err(|e| encode_error("VP9 flush", e))? {
            packets.push(Packet { ts_ns: p.pts.max(0) as u64 * 1_000_000, data: p.data.to_vec(), key: p.key });
        }
        Ok(VideoPackets { width, height, packets, frames, start_us, end_us })
    }
}

/// Opus at 64 kbit/s, 20 ms frames: speech transparent at a fraction of PCM's size.
const OPUS_KBPS: i32 = 64_000;
const OPUS_RATES: [u32; 5] = [8_000, 12_000, 16_000, 24_000, 48_000];

/// Encodes a segment's sound (mono, `rate`) to Opus packets timed from `offset_us` after the
/// segment's start, with the `OpusHead` the WebM track needs.
fn opus(samples: &[f32], rate: u32, offset_us: i64) -> Result<(Vec<u8>, Vec<Packet>), CaptureError> {
    let (input, rate) = if OPUS_RATES.contains(&rate) {
        (std::borrow::Cow::Borrowed(samples), rate)
    } else {
        let mut out = Vec::new();
        let mut r = Resampler::new(rate, 48_000);
        r.push(samples, &mut out);
        r.finish(&mut out);
        (std::borrow::Cow::Owned(out), 48_000)
    };
    let mut encoder = opus::Encoder::new(rate, opus::Channels::Mono, opus::Application::Voip)
        .map_err(|e| encode_error("Opus encoder", e))?;
    encoder.set_bitrate(opus::Bitrate::Bits(OPUS_KBPS)).map_err(|e| encode_error("Opus bitrate", e))?;
    let lookahead = encoder.get_lookahead().map_err(|e| encode_error("Opus lookahead", e))?.max(0) as u64;
    let frame = rate as usize / 50;
    let mut packets = Vec::with_capacity(input.len() / frame + 1);
    let mut buf = vec![0u8; 4000];
    let mut padded = vec![0.0f32; frame];
    for (i, chunk) in input.chunks(frame).enumerate() {
        let pcm = if chunk.len() == frame {
            chunk
        } else {
            padded[..chunk.len()].copy_from_slice(chunk);
            padded[chunk.len()..].fill(0.0);
            &padded
        };
        let n = encoder.encode_float(pcm, &mut buf).map_err(|e| encode_error("Opus encode", e))?;
        let ts_ns = (offset_us.max(0) as u64 + i as u64 * 20_000) * 1000;
        packets.push(Packet { ts_ns, data: buf[..n].to_vec(), key: true });
    }
    // RFC 7845 identification header; pre-skip counts 48 kHz samples.
    let mut head = b"OpusHead".to_vec();
    head.push(1);
    head.push(1);
    head.extend_from_slice(&((lookahead * 48_000 / u64::from(rate)) as u16).to_le_bytes());
    head.extend_from_slice(&rate.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes());
    head.push(0);
    Ok((head, packets))
}

/// Muxes a segment: its video and, when there is any, its sound (mono samples at `rate`
/// starting `audio_offset_us` after the video's start) into one WebM.
pub fn mux(video: VideoPackets, audio: Option<(&[f32], u32, i64)>) -> Result<EncodedVideo, CaptureError> {
    let writer = Writer::new(Cursor::new(Vec::with_capacity(256 * 1024)));
    let (mut builder, video_track) = SegmentBuilder::new(writer)
        .and_then(|b| b.set_mode(SegmentMode::File))
        .and_then(|b| b.set_writing_app("Interview Kiosk"))
        .and_then(|b| b.add_video_track(video.width, video.height, VideoCodecId::VP9, None))
        .map_err(|e| encode_error("WebM muxer", e))?;
    let mut tagged: Vec<(u64, webm::mux::TrackNum, Packet)> =
        video.packets.into_iter().map(|p| (p.ts_ns, video_track.into(), p)).collect();
    if let Some((samples, rate, offset_us)) = audio.filter(|(s, _, _)| !s.is_empty()) {
        let (head, packets) = opus(samples, rate, offset_us)?;
        let (b, audio_track) =
            builder.add_audio_track(48_000, 1, AudioCodecId::Opus, None).map_err(|e| encode_error("WebM audio", e))?;
        builder = b.set_codec_private(audio_track, &head).map_err(|e| encode_error("WebM audio", e))?;
        tagged.extend(packets.into_iter().map(|p| (p.ts_ns, audio_track.into(), p)));
    }
    // One time order across both tracks (video first at equal times, so a keyframe opens the file).
    tagged.sort_by_key(|(ts, track, _)| (*ts, *track != webm::mux::TrackNum::from(video_track)));
    let mut segment = builder.build();
    for (ts, track, p) in &tagged {
        segment.add_frame(*track, &p.data, *ts, p.key).map_err(|e| encode_error("WebM frame", e))?;
    }
    let duration_us = (video.end_us - video.start_us).max(0);
    let writer = segment
        .finalize(Some((duration_us / 1000) as u64))
        .map_err(|_| CaptureError::Encode("WebM finalize".into()))?;
    Ok(EncodedVideo {
        webm: writer.into_inner().into_inner(),
        frames: video.frames,
        start_us: video.start_us,
        duration_us,
    })
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
    fn a_segment_is_a_webm_file_with_every_frame_and_its_sound() {
        let (w, h) = (64u32, 48u32);
        let mut seg = SegmentVideo::new(w, h, 1_000_000, 300).unwrap();
        let tone: Vec<f32> = (0..14_700).map(|i| (i as f32 * 0.06).sin() * 0.3).collect();
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
        let out = mux(seg.finish(1_333_333).unwrap(), Some((&tone, 44_100, 0))).unwrap();
        assert_eq!(out.frames, 10);
        assert!(out.webm.windows(6).any(|w| w == b"A_OPUS"), "sound track");
        assert!(out.webm.windows(8).any(|w| w == b"OpusHead"), "Opus header");
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
