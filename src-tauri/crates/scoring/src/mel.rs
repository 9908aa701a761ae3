//! Whisper's input: an 80-bin log-mel spectrogram, 25 ms windows every 10 ms, in 30-second
//! windows of 3000 frames — computed exactly as openai-whisper's `log_mel_spectrogram` does
//! (periodic Hann window, reflect padding, the last frame dropped, log10, clamped to 8 below the
//! maximum, scaled to about [-1, 1]).

use std::path::Path;
use std::sync::Arc;

use rustfft::FftPlanner;
use rustfft::num_complex::Complex32;

use crate::error::{Result, ScoringError};

pub const N_FFT: usize = 400;
pub const HOP: usize = 160;
pub const N_MELS: usize = 80;
pub const FRAMES_PER_WINDOW: usize = 3000;
const BINS: usize = N_FFT / 2 + 1;

/// The 80 × 201 mel filter bank (from openai-whisper, via the pinned `whisper-mel-filters`).
#[derive(Clone)]
pub struct MelFilters(Arc<Vec<f32>>);

impl std::fmt::Debug for MelFilters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MelFilters(80×201)")
    }
}

impl MelFilters {
    pub fn load(path: &Path) -> Result<MelFilters> {
        let bytes = std::fs::read(path)
            .map_err(|e| ScoringError::Model { model: "whisper-mel-filters".into(), detail: e.to_string() })?;
        if bytes.len() != N_MELS * BINS * 4 {
            return Err(ScoringError::Model {
                model: "whisper-mel-filters".into(),
                detail: format!("{} bytes, expected {}", bytes.len(), N_MELS * BINS * 4),
            });
        }
        Ok(MelFilters(Arc::new(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())))
    }
}

/// The log-mel spectrogram of a whole recording, frame-major (`frames × 80`), with 30 seconds of
/// silence appended as openai-whisper does, so that every window can be cut from it.
#[derive(Clone, Debug)]
pub struct LogMel {
    data: Vec<f32>,
    /// Frames of actual audio (without the appended silence).
    pub frames: usize,
}

impl LogMel {
    pub fn compute(samples: &[f32], filters: &MelFilters) -> LogMel {
        let frames = samples.len() / HOP;
        let mut padded = samples.to_vec();
        padded.extend(std::iter::repeat_n(0.0, FRAMES_PER_WINDOW * HOP));
        let total_frames = padded.len() / HOP;
        // Reflect padding of N_FFT / 2 on both sides (torch.stft, center=True).
        let pad = N_FFT / 2;
        let reflect = |i: isize| -> f32 {
            let n = padded.len() as isize;
            let j = if i < 0 {
                -i
            } else if i >= n {
                2 * (n - 1) - i
            } else {
                i
            };
            padded[j.clamp(0, n - 1) as usize]
        };
        let window: Vec<f32> =
            (0..N_FFT).map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / N_FFT as f32).cos()).collect();
        let fft = FftPlanner::<f32>::new().plan_fft_forward(N_FFT);
        let mut buffer = vec![Complex32::new(0.0, 0.0); N_FFT];
        let mut power = vec![0.0f32; BINS];
        let mut data = vec![0.0f32; total_frames * N_MELS];
        for frame in 0..total_frames {
            let start = (frame * HOP) as isize - pad as isize;
            for (i, slot) in buffer.iter_mut().enumerate() {
                *slot = Complex32::new(reflect(start + i as isize) * window[i], 0.0);
            }
            fft.process(&mut buffer);
            for (bin, p) in power.iter_mut().enumerate() {
                *p = buffer[bin].norm_sqr();
            }
            let out = &mut data[frame * N_MELS..(frame + 1) * N_MELS];
            for (mel, value) in out.iter_mut().enumerate() {
                let row = &filters.0[mel * BINS..(mel + 1) * BINS];
                let energy: f32 = row.iter().zip(&power).map(|(f, p)| f * p).sum();
                *value = energy.max(1e-10).log10();
            }
        }
        let max = data.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for value in &mut data {
            *value = (value.max(max - 8.0) + 4.0) / 4.0;
        }
        LogMel { data, frames }
    }

    /// The 30-second window starting at `frame`, as the encoder takes it: `[80, 3000]`, mel-major.
    pub fn window(&self, frame: usize) -> Vec<f32> {
        let total = self.data.len() / N_MELS;
        let mut out = vec![0.0f32; N_MELS * FRAMES_PER_WINDOW];
        for t in 0..FRAMES_PER_WINDOW {
            let source = frame + t;
            if source >= total {
                // Beyond the appended silence: the value silence has.
                for mel in 0..N_MELS {
                    out[mel * FRAMES_PER_WINDOW + t] = self.data[(total - 1) * N_MELS + mel];
                }
                continue;
            }
            for mel in 0..N_MELS {
                out[mel * FRAMES_PER_WINDOW + t] = self.data[source * N_MELS + mel];
            }
        }
        out
    }
}
