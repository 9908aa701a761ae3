//! Every report file is PDF/A-2b. No PDF/A validator is obtainable here (veraPDF is Java from
//! Maven Central, which this machine cannot reach; no registry carries another), so each
//! requirement this project could break is checked on its own, on real files of every kind
//! (signed candidate reports in both languages, a draft, the job and audit reports, access
//! slips): the header, the XMP packet with `pdfaid` and the document information repeated in
//! it, an sRGB output intent with its ICC profile embedded, every font embedded (pdffonts), no
//! encryption, no JavaScript or actions, no transparency, a language and a title, a file
//! identifier, a structure qpdf accepts — and the signatures still valid for pdfsig.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{World, pdfsig_valid, run};
use interview::{Band, Lang};
use lopdf::{Document, Object};
use report::export::{export_audit, export_candidate, export_job};
use time::OffsetDateTime;

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// The report files of every kind, named, and whether each is signed.
fn every_kind(w: &mut World) -> Vec<(String, Vec<u8>, bool)> {
    let decided = w.interview("张三", Some("A"), [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Recommend));
    let undecided = w.interview("李四", Some("B"), [2.0, 2.5, 3.0], None, None);
    let mut files = Vec::new();
    for lang in [Lang::ZhCn, Lang::En] {
        let report = export_candidate(&mut w.vault, &w.clerk, decided, Some(lang), now()).unwrap();
        files.push((format!("candidate-{lang}"), report.pdf, true));
    }
    let draft = export_candidate(&mut w.vault, &w.clerk, undecided, Some(Lang::ZhCn), now()).unwrap();
    files.push(("draft".into(), draft.pdf, false));
    files.push(("job".into(), export_job(&mut w.vault, &w.clerk, w.job, None, now()).unwrap().pdf, true));
    let (audit, _) = export_audit(&mut w.vault, &w.auditor, 0, common::now_ms() + 60_000, None, now()).unwrap();
    files.push(("audit".into(), audit.pdf, true));
    let slips = report::render_slips(
        "某市人力资源和社会保障局",
        &[report::Slip {
            candidate: "王小明".into(),
            job: "窗口服务岗".into(),
            code: "ABCD-EFGH".into(),
            valid_from_ms: common::now_ms(),
            valid_until_ms: common::now_ms() + 86_400_000,
            extra_time_pct: 0,
            identity_check: true,
        }],
        Lang::ZhCn,
        time::UtcOffset::UTC,
        "S-1",
        now(),
    )
    .unwrap();
    files.push(("slips".into(), slips, false));
    files
}

fn string(doc: &Document, object: &Object) -> String {
    match doc.dereference(object).unwrap().1 {
        Object::String(bytes, _) => match bytes.strip_prefix(&[0xfe, 0xff]) {
            Some(rest) => {
                String::from_utf16(&rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect::<Vec<_>>())
                    .unwrap()
            }
            None => String::from_utf8_lossy(bytes).into_owned(),
        },
        other => panic!("not a string: {other:?}"),
    }
}

/// `D:20261205070400+08'00'` → `2026-12-05T07:04:00+08:00`.
fn as_xmp_date(pdf_date: &str) -> String {
    let d = pdf_date.trim_start_matches("D:");
    format!(
        "{}-{}-{}T{}:{}:{}{}:{}",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[8..10],
        &d[10..12],
        &d[12..14],
        &d[14..17],
        &d[18..20]
    )
}

#[test]
fn every_report_file_meets_each_pdfa_2b_requirement() {
    let mut w = World::new();
    let nss = w.nss_db();
    let mut paths = Vec::new();
    for (name, pdf, signed) in every_kind(&mut w) {
        let path = w.path(&format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        // The header names PDF 1.7 and is followed by a comment of four bytes above 127.
        assert!(pdf.starts_with(b"%PDF-1.7\n%"), "{name}: {:?}", String::from_utf8_lossy(&pdf[..12]));
        assert!(pdf[10..14].iter().all(|&b| b > 127), "{name}: no binary comment after the header");
        let doc = Document::load_mem(&pdf).unwrap();
        let catalog = doc.catalog().unwrap();
        assert!(doc.trailer.get(b"Encrypt").is_err(), "{name}: encrypted");
        let id = doc.trailer.get(b"ID").and_then(Object::as_array).unwrap();
        assert_eq!(id.len(), 2, "{name}: the file identifier");
        let lang = string(&doc, catalog.get(b"Lang").unwrap());
        assert!(["zh-CN", "en"].contains(&lang.as_str()), "{name}: /Lang {lang}");

        // The document information and its XMP twin.
        let info = doc.dereference(doc.trailer.get(b"Info").unwrap()).unwrap().1.as_dict().unwrap().clone();
        assert!(info.get(b"GTS_PDFXVersion").is_err(), "{name}: calls itself PDF/X");
        let title = string(&doc, info.get(b"Title").unwrap());
        let author = string(&doc, info.get(b"Author").unwrap());
        let subject = string(&doc, info.get(b"Subject").unwrap());
        assert!(
            !title.is_empty() && !author.is_empty() && !subject.is_empty(),
            "{name}: {title:?} {author:?} {subject:?}"
        );
        let metadata = doc.dereference(catalog.get(b"Metadata").unwrap()).unwrap().1.as_stream().unwrap().clone();
        assert!(metadata.dict.get(b"Filter").is_err(), "{name}: the XMP is compressed");
        let xmp = String::from_utf8(metadata.content.clone()).unwrap();
        assert!(xmp.starts_with("<?xpacket begin=\"\u{feff}\""), "{name}");
        assert!(
            xmp.contains("<pdfaid:part>2</pdfaid:part>") && xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>")
        );
        for (key, tag) in [("CreationDate", "xmp:CreateDate"), ("ModDate", "xmp:ModifyDate")] {
            let date = as_xmp_date(&string(&doc, info.get(key.as_bytes()).unwrap()));
            assert!(xmp.contains(&format!("<{tag}>{date}</{tag}>")), "{name}: {key} {date} is not the XMP's\n{xmp}");
        }
        for value in [&title, &author, &subject] {
            assert!(xmp.contains(value.as_str()), "{name}: {value} is not in the XMP");
        }
        assert!(xmp.contains(&format!("<rdf:li>{lang}</rdf:li>")), "{name}: the XMP's language");

        // An sRGB output intent whose profile is embedded.
        let intents = catalog.get(b"OutputIntents").and_then(Object::as_array).unwrap();
        assert_eq!(intents.len(), 1, "{name}");
        let intent = doc.dereference(&intents[0]).unwrap().1.as_dict().unwrap();
        assert_eq!(intent.get(b"S").unwrap().as_name().unwrap(), b"GTS_PDFA1");
        let profile = doc.dereference(intent.get(b"DestOutputProfile").unwrap()).unwrap().1.as_stream().unwrap();
        assert_eq!(profile.dict.get(b"N").unwrap().as_i64().unwrap(), 3);
        let icc = profile.decompressed_content().unwrap_or_else(|_| profile.content.clone());
        assert_eq!(&icc[12..24], b"mntrRGB XYZ ", "{name}: not an RGB display profile");

        // Nothing an archive refuses anywhere in the file.
        for object in doc.objects.values() {
            let dict = match object {
                Object::Dictionary(d) => d,
                Object::Stream(s) => &s.dict,
                _ => continue,
            };
            for forbidden in [&b"JS"[..], b"JavaScript", b"AA", b"OpenAction", b"EmbeddedFiles", b"SMask"] {
                assert!(dict.get(forbidden).is_err(), "{name}: /{}", String::from_utf8_lossy(forbidden));
            }
            if let Ok(group) = dict.get(b"Group").and_then(|g| doc.dereference(g)).and_then(|(_, g)| g.as_dict()) {
                assert_ne!(group.get(b"S").and_then(Object::as_name).ok(), Some(&b"Transparency"[..]), "{name}");
            }
            if let Ok(ca) = dict.get(b"ca").or_else(|_| dict.get(b"CA")).and_then(Object::as_float) {
                assert_eq!(ca, 1.0, "{name}: transparent drawing");
            }
        }

        // Every font embedded (pdffonts: the "emb" column), and qpdf finds no fault.
        let fonts = run("pdffonts", &[path.to_str().unwrap()]);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{name}: no fonts?\n{fonts}");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            let emb = cols[cols.len() - 5];
            assert_eq!(emb, "yes", "{name}: a font is not embedded: {row}");
        }
        let check = std::process::Command::new("qpdf").args(["--check", path.to_str().unwrap()]).output().unwrap();
        assert!(check.status.success(), "{name}: {}", String::from_utf8_lossy(&check.stdout));
        let info_text = run("pdfinfo", &[path.to_str().unwrap()]);
        // Tagged: a structure tree a screen reader follows, with headings; the footer and
        // decoration left out as artifacts.
        let tagged = info_text.lines().find_map(|l| l.strip_prefix("Tagged:")).map(str::trim);
        assert_eq!(tagged, Some("yes"), "{name}: {info_text}");
        let structure = run("pdfinfo", &["-struct-text", path.to_str().unwrap()]);
        let headings =
            structure.lines().filter(|l| ["H1 ", "H2 ", "H3 "].iter().any(|h| l.trim_start().starts_with(h)));
        assert!(headings.count() > 0, "{name}: no heading in\n{structure}");
        assert!(structure.lines().filter(|l| l.contains('"')).count() > 5, "{name}: little tagged text\n{structure}");
        for footer in ["Page 1 of", "第 1 页"] {
            assert!(!structure.contains(footer), "{name}: the footer is tagged as content");
        }
        let version = info_text.lines().find_map(|l| l.strip_prefix("PDF version:")).map(str::trim);
        assert_eq!(version, Some("1.7"), "{name}: {info_text}");
        assert!(!info_text.contains("PDF/X"), "{name}: {info_text}");
        if signed {
            let (valid, text) = pdfsig_valid(&path, &nss);
            assert!(valid, "{name}: pdfsig says\n{text}");
        }
        low_contrast_text(&name, &doc);
        paths.push((name, path, signed));
    }

    // pyHanko (an independent PAdES validator) and LittleCMS (through Pillow), pinned in
    // .cache/pdf-test-venv by installer/setup.sh.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let python = root.join(".cache/pdf-test-venv/bin/python");
    assert!(python.is_file(), "{} is missing: run installer/setup.sh", python.display());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/check_pdfs.py");
    let mut args = vec![script.display().to_string(), w.path("root.pem").display().to_string()];
    args.extend(paths.iter().map(|(_, p, _)| p.display().to_string()));
    let out = std::process::Command::new(&python).args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), paths.len());
    for ((name, _, signed), result) in paths.iter().zip(&lines) {
        assert_eq!(result["profile"], "sRGB IEC61966-2.1", "{name}: {result}");
        // The embedded profile is sRGB: colours through it and LittleCMS's own sRGB agree.
        assert!(result["worst_channel_error"].as_i64().unwrap() <= 2, "{name}: {result}");
        let signatures = result["signatures"].as_array().unwrap();
        assert_eq!(signatures.len(), usize::from(*signed), "{name}: {result}");
        for sig in signatures {
            assert_eq!(
                (&sig["intact"], &sig["valid"], &sig["trusted"]),
                (&serde_json::json!(true), &serde_json::json!(true), &serde_json::json!(true)),
                "{name}: {sig}"
            );
            assert_eq!(sig["coverage"], "SignatureCoverageLevel.ENTIRE_FILE", "{name}: {sig}");
            assert_eq!(sig["docmdp"], "MDPPerm.NO_CHANGES", "{name}: {sig}");
            assert_eq!(sig["docmdp_ok"], true, "{name}: {sig}");
        }
    }
}

/// Every piece of text below 18 pt has at least 4.5:1 contrast against white paper (WCAG AA);
/// larger text is a heading or the draft's watermark. Read from the pages' content: the fill
/// colour (`rg`) and font size (`Tf`) in force at each text-showing operator.
fn low_contrast_text(name: &str, doc: &Document) {
    fn luminance(c: f32) -> f32 {
        if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    }
    let mut shown = 0;
    for (number, page) in doc.get_pages() {
        let content = lopdf::content::Content::decode(&doc.get_page_content(page)).unwrap();
        let (mut colour, mut size, mut marked) = ([0.0f32; 3], 0.0f32, 0usize);
        for op in &content.operations {
            let number_at = |i: usize| op.operands[i].as_float().unwrap();
            if ["Tj", "TJ", "'", "\""].contains(&op.operator.as_str()) {
                // Every piece of text is tagged content or an artifact.
                assert!(marked > 0, "{name}, page {number}: text outside marked content");
            }
            match op.operator.as_str() {
                "BDC" | "BMC" => marked += 1,
                "EMC" => marked = marked.saturating_sub(1),
                "rg" => colour = [number_at(0), number_at(1), number_at(2)],
                "g" => colour = [number_at(0); 3],
                "Tf" => size = number_at(1),
                "Tj" | "TJ" | "'" | "\"" if size < 18.0 => {
                    let l =
                        0.2126 * luminance(colour[0]) + 0.7152 * luminance(colour[1]) + 0.0722 * luminance(colour[2]);
                    let contrast = 1.05 / (l + 0.05);
                    assert!(
                        contrast >= 4.5,
                        "{name}, page {number}: {size} pt text in {colour:?} has contrast {contrast:.1}:1"
                    );
                    shown += 1;
                }
                _ => {}
            }
        }
    }
    assert!(shown > 5, "{name}: only {shown} pieces of text were read");
}
