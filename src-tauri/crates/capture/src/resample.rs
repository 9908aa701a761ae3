//! A streaming sample-rate converter (windowed-sinc, low-passed below the lower Nyquist), so a
//! 44.1 or 48 kHz microphone becomes the 16 kHz that scoring reads chunk by chunk, without ever
//! holding a whole answer.

/// Zero crossings of the sinc kept on each side.
const ZERO_CROSSINGS: f64 = 8.0;

#[derive(Debug)]
pub struct Resampler {
    from: u32,
    to: u32,
    /// Low-pass cutoff as a fraction of the input's Nyquist frequency.
    cutoff: f64,
    /// Input samples used on each side of an output sample.
    half: i64,
    buf: Vec<f32>,
    /// Stream index of `buf[0]`.
    base: i64,
    /// Index of the next output sample.
    next_out: u64,
}

impl Resampler {
    pub fn new(from: u32, to: u32) -> Resampler {
        let cutoff = (f64::from(to) / f64::from(from)).min(1.0) * 0.92;
        Resampler {
            from,
            to,
            cutoff,
            half: (ZERO_CROSSINGS / cutoff).ceil() as i64,
            buf: Vec::new(),
            base: 0,
            next_out: 0,
        }
    }

    fn position(&self) -> f64 {
        self.next_out as f64 * f64::from(self.from) / f64::from(self.to)
    }

    fn kernel(&self, t: f64) -> f64 {
        let x = t * self.cutoff;
        let sinc = if x.abs() < 1e-9 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
        let w = t / (self.half as f64 + 1.0);
        let window = if w.abs() >= 1.0 { 0.0 } else { 0.5 + 0.5 * (std::f64::consts::PI * w).cos() };
        self.cutoff * sinc * window
    }

    fn sample(&self, index: i64) -> f32 {
        if index < self.base { 0.0 } else { self.buf.get((index - self.base) as usize).copied().unwrap_or(0.0) }
    }

    /// Converts `input`, appending what can be computed so far to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        if self.from == self.to {
            out.extend_from_slice(input);
            return;
        }
        self.buf.extend_from_slice(input);
        self.produce(out, self.base + self.buf.len() as i64);
    }

    /// Flushes the tail (the input is taken to be silent after its end).
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        if self.from == self.to {
            return;
        }
        let end = self.base + self.buf.len() as i64;
        let wanted = (end as f64 * f64::from(self.to) / f64::from(self.from)).floor() as u64;
        while self.next_out < wanted {
            self.produce_one(out);
        }
        self.buf.clear();
    }

    fn produce(&mut self, out: &mut Vec<f32>, available: i64) {
        loop {
            let pos = self.position();
            if pos.floor() as i64 + self.half >= available {
                break;
            }
            self.produce_one(out);
        }
        let keep_from = self.position().floor() as i64 - self.half - 1;
        if keep_from > self.base {
            let drop = ((keep_from - self.base) as usize).min(self.buf.len());
            self.buf.drain(..drop);
            self.base += drop as i64;
        }
    }

    fn produce_one(&mut self, out: &mut Vec<f32>) {
        let pos = self.position();
        let centre = pos.floor() as i64;
        let mut acc = 0.0f64;
        for j in (centre - self.half + 1)..=(centre + self.half) {
            acc += f64::from(self.sample(j)) * self.kernel(pos - j as f64);
        }
        out.push(acc as f32);
        self.next_out += 1;
    }
}

/// Converts a whole clip.
pub fn resample_all(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    let mut r = Resampler::new(from, to);
    let mut out = Vec::with_capacity(input.len() * to as usize / from.max(1) as usize + 1);
    r.push(input, &mut out);
    r.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f64, rate: u32, n: usize) -> Vec<f32> {
        (0..n).map(|i| (std::f64::consts::TAU * hz * i as f64 / f64::from(rate)).sin() as f32 * 0.5).collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn keeps_speech_band_and_removes_what_would_alias() {
        // 1 kHz passes from 48 kHz to 16 kHz; 12 kHz (above the new Nyquist) is removed.
        let pass = resample_all(&tone(1000.0, 48_000, 48_000), 48_000, 16_000);
        assert!((pass.len() as i64 - 16_000).abs() <= 1, "{}", pass.len());
        let level = rms(&pass[1000..15_000]);
        assert!((level - 0.5 / 2f64.sqrt()).abs() < 0.02, "passband level {level}");
        let stop = resample_all(&tone(12_000.0, 48_000, 48_000), 48_000, 16_000);
        assert!(rms(&stop[1000..15_000]) < 0.01, "alias level {}", rms(&stop[1000..15_000]));
    }

    #[test]
    fn chunked_equals_whole() {
        let input = tone(440.0, 44_100, 44_100);
        let whole = resample_all(&input, 44_100, 16_000);
        let mut r = Resampler::new(44_100, 16_000);
        let mut chunked = Vec::new();
        for chunk in input.chunks(441) {
            r.push(chunk, &mut chunked);
        }
        r.finish(&mut chunked);
        assert_eq!(whole.len(), chunked.len());
        assert!(whole.iter().zip(&chunked).all(|(a, b)| (a - b).abs() < 1e-6));
    }

    #[test]
    fn same_rate_passes_through() {
        let input = tone(300.0, 16_000, 1600);
        assert_eq!(resample_all(&input, 16_000, 16_000), input);
    }
}
