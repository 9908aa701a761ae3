#!/usr/bin/env python3
"""Writes the seed corpus of the import fuzz target: good files in every accepted form, and the
malformed ones the tests check (`hrms` tests read this directory too). Deterministic; run it
only when the seeds change. Files named `found-*` were found by the fuzzer and are kept as they
are (this script does not write or remove them)."""
import io
import zipfile
from pathlib import Path

out = Path(__file__).resolve().parent / "import"
out.mkdir(exist_ok=True)

header = "姓名,身份证号,手机,邮箱,分组\n"
rows = "张三,11010519491231002X,13800000000,zhang@example.cn,A\n李四,110105194912310021,1380000,bad-mail,B\n"
seeds = {
    "good-utf8-bom.csv": ("\ufeff" + header + rows).encode("utf-8"),
    "good-gb18030-tabs.csv": (header + rows).replace(",", "\t").encode("gb18030"),
    "english-headers.csv": b"name,id_number,phone,email,group\nAlice,11010519491231002X,13800000000,a@b.cn,x\n",
    "unbalanced-quote.csv": (header + '"张三,11010519491231002X,13800000000\n').encode("utf-8"),
    "ragged-rows.csv": (header + "张三\n李四,1,2,3,4,5,6,7\n").encode("utf-8"),
    "invalid-encoding.csv": b"\xff\xfe\x00\x81\x30\x81\xfe,\xc3\x28\n\x80\x80\x80,\xa0\xa1\n",
    "formula-cells.csv": (header + "=cmd|' /C calc'!A0,+1,-2,@SUM(A1),\n").encode("utf-8"),
    "header-only.csv": header.encode("utf-8"),
    "empty.csv": b"",
    "binary-garbage.csv": bytes(range(256)) * 4,
}


def xlsx(cells, extra_rows=""):
    """A minimal XLSX with inline strings (what Excel and WPS open); `extra_rows` is raw
    `<row>` XML appended after the cells."""
    sheet_rows = []
    for r, row in enumerate(cells, 1):
        cs = "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in enumerate(row)
        )
        sheet_rows.append(f'<row r="{r}">{cs}</row>')
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + "".join(sheet_rows)
        + extra_rows
        + "</sheetData></worksheet>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(info, text)
    return buf.getvalue()


good = xlsx([["姓名", "身份证号", "手机"], ["张三", "11010519491231002X", "13800000000"]])
seeds["good.xlsx"] = good
seeds["truncated.xlsx"] = good[: len(good) // 2]
seeds["zip-not-xlsx.xlsx"] = good.replace(b"xl/workbook.xml", b"xl/workbook.xmm")
# The attack pass's 1.6 KB file: one cell at A1 and one at the sheet's last cell made calamine's
# Range allocate the whole span (512 GiB) and abort the process.
cells = [["姓名", "身份证号", "手机"], ["张三", "11010519491231002X", "13800000000"]]
seeds["span-bomb.xlsx"] = xlsx(cells, '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')
seeds["far-column.xlsx"] = xlsx(cells, '<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>')

for name, data in sorted(seeds.items()):
    (out / name).write_bytes(data)
print(f"{len(seeds)} seeds in {out}")
