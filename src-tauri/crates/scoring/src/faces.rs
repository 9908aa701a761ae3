//! Counting faces on the kiosk's stills with BlazeFace (the 256×256 "back camera" model), for
//! proctoring flags that a person reviews: no face, or more than one. Faces are only counted —
//! never recognised, and nothing about them (expression, emotion, appearance) is inferred.

use image::{DynamicImage, RgbImage, imageops::FilterType};
use ort::session::Session;
use ort::value::Tensor;

use crate::error::{Result, ScoringError};
use crate::runtime::Runtime;

const MODEL: &str = "blazeface";
const SIZE: u32 = 256;

/// A detected face, in the image's own pixel coordinates.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Face {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub score: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FaceSettings {
    pub min_score: f32,
    pub nms_iou: f32,
}

impl Default for FaceSettings {
    fn default() -> Self {
        FaceSettings { min_score: 0.75, nms_iou: 0.3 }
    }
}

pub struct FaceDetector {
    session: Session,
    anchors: Vec<(f32, f32)>,
    pub settings: FaceSettings,
}

impl std::fmt::Debug for FaceDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceDetector").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// MediaPipe's SSD anchors for this model: a 16×16 grid with 2 anchors per cell, then an 8×8
/// grid with 6 (three layers of stride 32 merged), centres only (fixed anchor size).
fn anchors() -> Vec<(f32, f32)> {
    let mut out = Vec::with_capacity(896);
    for (grid, per_cell) in [(16u32, 2), (8, 6)] {
        for y in 0..grid {
            for x in 0..grid {
                for _ in 0..per_cell {
                    out.push(((x as f32 + 0.5) / grid as f32, (y as f32 + 0.5) / grid as f32));
                }
            }
        }
    }
    out
}

fn iou(a: &Face, b: &Face) -> f32 {
    let x1 = a.x.max(b.x);
    let y1 = a.y.max(b.y);
    let x2 = (a.x + a.width).min(b.x + b.width);
    let y2 = (a.y + a.height).min(b.y + b.height);
    let inter = (x2 - x1).max(0.0) * (y2 - y1).max(0.0);
    let union = a.width * a.height + b.width * b.height - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

impl FaceDetector {
    pub fn load(runtime: &Runtime) -> Result<FaceDetector> {
        Ok(FaceDetector { session: runtime.session(MODEL, 1)?, anchors: anchors(), settings: FaceSettings::default() })
    }

    /// Decodes an image file's bytes (PNG or JPEG).
    pub fn decode(bytes: &[u8], what: &str) -> Result<RgbImage> {
        image::load_from_memory(bytes)
            .map(|i| i.to_rgb8())
            .map_err(|e| ScoringError::Audio { what: what.to_owned(), detail: e.to_string() })
    }

    /// The faces on `image`.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>> {
        let err = |e: ort::Error| ScoringError::Model { model: MODEL.into(), detail: e.to_string() };
        // Letterbox into 256×256, keeping the aspect ratio (as MediaPipe does).
        let (w, h) = image.dimensions();
        let scale = SIZE as f32 / w.max(h).max(1) as f32;
        let (rw, rh) = (((w as f32 * scale).round() as u32).max(1), ((h as f32 * scale).round() as u32).max(1));
        let resized = DynamicImage::ImageRgb8(image.clone()).resize_exact(rw, rh, FilterType::Triangle).to_rgb8();
        let (ox, oy) = ((SIZE - rw) / 2, (SIZE - rh) / 2);
        let mut input = vec![-1.0f32; (SIZE * SIZE * 3) as usize];
        for (x, y, pixel) in resized.enumerate_pixels() {
            let base = (((y + oy) * SIZE + (x + ox)) * 3) as usize;
            for c in 0..3 {
                input[base + c] = f32::from(pixel[c]) / 127.5 - 1.0;
            }
        }
        let tensor = Tensor::from_array(([1usize, SIZE as usize, SIZE as usize, 3], input)).map_err(err)?;
        let outputs = self.session.run(ort::inputs!["input:0" => tensor]).map_err(err)?;
        // Two groups of anchors (512 and 384), each with a score output and a box output.
        let mut scores: Vec<(usize, Vec<f32>)> = Vec::new();
        let mut boxes: Vec<(usize, Vec<f32>)> = Vec::new();
        for (_, value) in outputs.iter() {
            let (shape, data) = value.try_extract_tensor::<f32>().map_err(err)?;
            let dims: Vec<i64> = shape.iter().copied().collect();
            match dims.as_slice() {
                [1, n, 1] => scores.push((*n as usize, data.to_vec())),
                [1, n, 16] => boxes.push((*n as usize, data.to_vec())),
                other => {
                    return Err(ScoringError::Model {
                        model: MODEL.into(),
                        detail: format!("unexpected output {other:?}"),
                    });
                }
            }
        }
        scores.sort_by_key(|s| std::cmp::Reverse(s.0));
        boxes.sort_by_key(|b| std::cmp::Reverse(b.0));
        let scores: Vec<f32> = scores.into_iter().flat_map(|s| s.1).collect();
        let boxes: Vec<f32> = boxes.into_iter().flat_map(|b| b.1).collect();
        if scores.len() != self.anchors.len() || boxes.len() != self.anchors.len() * 16 {
            return Err(ScoringError::Model { model: MODEL.into(), detail: "unexpected number of anchors".into() });
        }
        let mut candidates: Vec<Face> = Vec::new();
        for (i, &(ax, ay)) in self.anchors.iter().enumerate() {
            let score = 1.0 / (1.0 + (-scores[i].clamp(-100.0, 100.0)).exp());
            if score < self.settings.min_score {
                continue;
            }
            let b = &boxes[i * 16..i * 16 + 4];
            let (cx, cy) = (b[0] / SIZE as f32 + ax, b[1] / SIZE as f32 + ay);
            let (bw, bh) = (b[2] / SIZE as f32, b[3] / SIZE as f32);
            // Back from the letterboxed square to the image's pixels.
            let to_x = |v: f32| (v * SIZE as f32 - ox as f32) / scale;
            let to_y = |v: f32| (v * SIZE as f32 - oy as f32) / scale;
            candidates.push(Face {
                x: to_x(cx - bw / 2.0),
                y: to_y(cy - bh / 2.0),
                width: bw * SIZE as f32 / scale,
                height: bh * SIZE as f32 / scale,
                score,
            });
        }
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut faces: Vec<Face> = Vec::new();
        for face in candidates {
            if faces.iter().all(|kept| iou(kept, &face) < self.settings.nms_iou) {
                faces.push(face);
            }
        }
        Ok(faces)
    }
}

/// A still taken during an answer.
#[derive(Clone, Debug)]
pub struct Still {
    pub at_ms: u32,
    /// The media record it was read from, so a flag names the frame it rests on.
    pub media_id: Option<i64>,
    pub image: RgbImage,
}

/// The proctoring flags of an answer's stills: each still without a face, and each with more
/// than one, with its time and media record.
pub fn still_flags(detector: &mut FaceDetector, stills: &[Still]) -> Result<Vec<crate::Flag>> {
    let mut flags = Vec::new();
    for still in stills {
        let count = detector.detect(&still.image)?.len();
        match count {
            0 => flags.push(crate::Flag::FaceAbsent { at_ms: still.at_ms, media_id: still.media_id }),
            1 => {}
            n => {
                flags.push(crate::Flag::MultipleFaces { at_ms: still.at_ms, media_id: still.media_id, count: n as u32 })
            }
        }
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_match_the_model() {
        let a = anchors();
        assert_eq!(a.len(), 896);
        assert_eq!(a[0], (1.0 / 32.0, 1.0 / 32.0));
        assert_eq!(a[511], (31.0 / 32.0, 31.0 / 32.0));
        assert_eq!(a[512], (1.0 / 16.0, 1.0 / 16.0));
    }

    #[test]
    fn overlap_is_measured_symmetrically() {
        let a = Face { x: 0.0, y: 0.0, width: 10.0, height: 10.0, score: 1.0 };
        let b = Face { x: 5.0, y: 0.0, width: 10.0, height: 10.0, score: 1.0 };
        assert!((iou(&a, &b) - 50.0 / 150.0).abs() < 1e-6);
        assert_eq!(iou(&a, &Face { x: 20.0, ..a }), 0.0);
    }
}
