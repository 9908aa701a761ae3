//! What sources deliver: video frames in I420 (the encoder's own format, so the 30 fps path does
//! one conversion at most) and mono audio in f32, both stamped on one [`Clock`].

use std::time::{Duration, Instant};

use image::RgbImage;

/// The one clock audio and video are stamped on: microseconds since the capture started.
/// Real devices stamp on arrival; synthetic sources pace themselves against it.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    epoch: Instant,
}

impl Clock {
    pub fn start() -> Clock {
        Clock { epoch: Instant::now() }
    }
    pub fn now_us(&self) -> i64 {
        self.epoch.elapsed().as_micros() as i64
    }
    /// The instant a clock time falls on (for sleeping until a frame is due).
    pub fn instant(&self, us: i64) -> Instant {
        self.epoch + Duration::from_micros(us.max(0) as u64)
    }
}

/// One picture, 4:2:0 planar (Y, then U, then V), even width and height.
#[derive(Clone, Debug)]
pub struct VideoFrame {
    /// Capture time on the shared clock.
    pub pts_us: i64,
    /// The source's running frame number: a gap means frames were dropped before we saw them.
    pub seq: u64,
    pub width: u32,
    pub height: u32,
    pub i420: Vec<u8>,
}

/// A run of mono samples in [-1, 1]; `pts_us` is the time of the first one.
#[derive(Clone, Debug)]
pub struct AudioChunk {
    pub pts_us: i64,
    pub rate: u32,
    pub samples: Vec<f32>,
}

impl AudioChunk {
    pub fn duration_us(&self) -> i64 {
        self.samples.len() as i64 * 1_000_000 / i64::from(self.rate.max(1))
    }
}

pub fn i420_len(width: u32, height: u32) -> usize {
    let (w, h) = (width as usize, height as usize);
    w * h + 2 * (w.div_ceil(2) * h.div_ceil(2))
}

/// RGB (8-bit, packed) to I420 with BT.601 studio-range coefficients.
pub fn rgb_to_i420(rgb: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut out = vec![0u8; i420_len(width, height)];
    let (y_plane, uv) = out.split_at_mut(w * h);
    let (u_plane, v_plane) = uv.split_at_mut(cw * ch);
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            let (r, g, b) = (i32::from(rgb[i]), i32::from(rgb[i + 1]), i32::from(rgb[i + 2]));
            y_plane[y * w + x] = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16).clamp(0, 255) as u8;
        }
    }
    for cy in 0..ch {
        for cx in 0..cw {
            let (x, y) = ((cx * 2).min(w - 1), (cy * 2).min(h - 1));
            let i = (y * w + x) * 3;
            let (r, g, b) = (i32::from(rgb[i]), i32::from(rgb[i + 1]), i32::from(rgb[i + 2]));
            u_plane[cy * cw + cx] = (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
            v_plane[cy * cw + cx] = (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
        }
    }
    out
}

/// I420 to RGB, keeping every `step`-th pixel in each direction (previews and stills).
pub fn i420_to_rgb(frame: &VideoFrame, step: u32) -> RgbImage {
    let step = step.max(1) as usize;
    let (w, h) = (frame.width as usize, frame.height as usize);
    let cw = w.div_ceil(2);
    let (ow, oh) = (w / step, h / step);
    let y_plane = &frame.i420[..w * h];
    let u_plane = &frame.i420[w * h..w * h + cw * h.div_ceil(2)];
    let v_plane = &frame.i420[w * h + cw * h.div_ceil(2)..];
    let mut out = RgbImage::new(ow as u32, oh as u32);
    for oy in 0..oh {
        for ox in 0..ow {
            let (x, y) = (ox * step, oy * step);
            let c = i32::from(y_plane[y * w + x]) - 16;
            let d = i32::from(u_plane[(y / 2) * cw + x / 2]) - 128;
            let e = i32::from(v_plane[(y / 2) * cw + x / 2]) - 128;
            let r = ((298 * c + 409 * e + 128) >> 8).clamp(0, 255) as u8;
            let g = ((298 * c - 100 * d - 208 * e + 128) >> 8).clamp(0, 255) as u8;
            let b = ((298 * c + 516 * d + 128) >> 8).clamp(0, 255) as u8;
            out.put_pixel(ox as u32, oy as u32, image::Rgb([r, g, b]));
        }
    }
    out
}

/// A JPEG of an RGB picture.
pub fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    // Encoding an in-memory RGB buffer into a Vec cannot fail short of running out of memory.
    let _ = image.write_with_encoder(encoder);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_survive_the_round_trip() {
        let (w, h) = (8u32, 6u32);
        let rgb: Vec<u8> = (0..w * h).flat_map(|_| [200u8, 40, 30]).collect();
        let frame = VideoFrame { pts_us: 0, seq: 0, width: w, height: h, i420: rgb_to_i420(&rgb, w, h) };
        assert_eq!(frame.i420.len(), i420_len(w, h));
        let back = i420_to_rgb(&frame, 1);
        let p = back.get_pixel(3, 3).0;
        for (a, b) in p.iter().zip([200u8, 40, 30]) {
            assert!((i32::from(*a) - i32::from(b)).abs() <= 4, "{p:?}");
        }
        assert_eq!(i420_to_rgb(&frame, 2).dimensions(), (4, 3));
    }
}
