//! Recordings in, 16 kHz mono `f32` out: what every model of the pipeline takes.

use std::path::Path;

use crate::error::{Result, ScoringError};

/// The rate every model here works at.
pub const SAMPLE_RATE: u32 = 16_000;

/// Mono samples in [-1, 1] at [`SAMPLE_RATE`].
#[derive(Clone, Debug, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
}

impl Audio {
    pub fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE)
    }

    /// Reads a WAV file (8/16/24/32-bit integer or 32-bit float, any rate, any channels).
    pub fn read_wav(path: &Path) -> Result<Audio> {
        let what = path.display().to_string();
        let reader = hound::WavReader::open(path)
            .map_err(|e| ScoringError::Audio { what: what.clone(), detail: e.to_string() })?;
        Self::from_wav(reader, &what)
    }

    /// Reads WAV bytes (e.g. decrypted from the vault).
    pub fn from_wav_bytes(bytes: &[u8], what: &str) -> Result<Audio> {
        let reader = hound::WavReader::new(std::io::Cursor::new(bytes))
            .map_err(|e| ScoringError::Audio { what: what.to_owned(), detail: e.to_string() })?;
        Self::from_wav(reader, what)
    }

    fn from_wav<R: std::io::Read>(reader: hound::WavReader<R>, what: &str) -> Result<Audio> {
        let spec = reader.spec();
        let bad = |detail: String| ScoringError::Audio { what: what.to_owned(), detail };
        if spec.channels == 0 || spec.sample_rate == 0 {
            return Err(bad("no channels or no sample rate".into()));
        }
        let interleaved: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => {
                reader.into_samples::<f32>().collect::<Result<_, _>>().map_err(|e| bad(e.to_string()))?
            }
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
                reader
                    .into_samples::<i32>()
                    .map(|s| s.map(|v| v as f32 * scale))
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(e.to_string()))?
            }
        };
        let channels = usize::from(spec.channels);
        let mono: Vec<f32> =
            interleaved.chunks_exact(channels).map(|frame| frame.iter().sum::<f32>() / channels as f32).collect();
        Ok(Audio { samples: resample(&mono, spec.sample_rate, SAMPLE_RATE) })
    }
}

/// Band-limited resampling (windowed sinc, 16 zero crossings, Blackman window), with the cut-off
/// at the lower of the two Nyquist frequencies so that downsampling does not alias.
pub fn resample(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() {
        return input.to_vec();
    }
    const ZEROS: f64 = 16.0;
    let ratio = f64::from(to) / f64::from(from);
    let cutoff = ratio.min(1.0);
    let half_width = ZEROS / cutoff;
    let out_len = (input.len() as f64 * ratio).round() as usize;
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len {
        let center = n as f64 / ratio;
        let first = (center - half_width).ceil().max(0.0) as usize;
        let last = ((center + half_width).floor() as usize).min(input.len() - 1);
        let mut acc = 0.0f64;
        let mut norm = 0.0f64;
        for (k, &sample) in input.iter().enumerate().take(last + 1).skip(first) {
            let x = (k as f64 - center) * cutoff;
            let sinc = if x.abs() < 1e-9 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
            let t = (k as f64 - center) / half_width;
            let window = 0.42 + 0.5 * (std::f64::consts::PI * t).cos() + 0.08 * (2.0 * std::f64::consts::PI * t).cos();
            let w = sinc * window;
            acc += f64::from(sample) * w;
            norm += w;
        }
        out.push(if norm.abs() > 1e-9 { (acc / norm) as f32 } else { 0.0 });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, rate: u32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
    }

    #[test]
    fn resampling_keeps_a_tone_and_removes_what_cannot_be_represented() {
        let kept = resample(&tone(440.0, 22_050, 0.5), 22_050, 16_000);
        assert_eq!(kept.len(), 8000);
        assert!((rms(&kept[500..7500]) - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.02, "{}", rms(&kept));
        // 10 kHz is above the 8 kHz Nyquist frequency of 16 kHz audio: it must not alias back in.
        let removed = resample(&tone(10_000.0, 44_100, 0.5), 44_100, 16_000);
        assert!(rms(&removed[500..7500]) < 0.05, "{}", rms(&removed[500..7500]));
    }

    #[test]
    fn reads_stereo_wav_as_mono_16k() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for s in tone(300.0, 8000, 1.0) {
            w.write_sample((s * 16_000.0) as i16).unwrap();
            w.write_sample((s * 16_000.0) as i16).unwrap();
        }
        w.finalize().unwrap();
        let audio = Audio::read_wav(&path).unwrap();
        assert_eq!(audio.samples.len(), 16_000);
        assert_eq!(audio.duration_ms(), 1000);
        let err = Audio::from_wav_bytes(b"RIFF....WAVEjunk", "answer 3").unwrap_err();
        assert!(matches!(err, ScoringError::Audio { .. }));
    }
}
