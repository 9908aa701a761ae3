"""Independent checks of report files, run by `tests/archival.rs` with the pinned PDF test venv
(.cache/pdf-test-venv, installer/requirements-pdf-test.txt).

For each file: pyHanko validates every signature against the given root (no fetching: nothing
leaves the machine) and reports whether it is intact, valid, trusted, covers the whole file and
what it certifies; Pillow's LittleCMS opens the embedded output-intent profile and converts a
few colours from it to its own sRGB. One JSON object per file on stdout.

usage: check_pdfs.py ROOT_PEM FILE...
"""

import io
import json
import sys
import warnings

# pyHanko imports the DSA types of `cryptography`, which warns about them; nothing here uses DSA.
warnings.filterwarnings("ignore", message="DSA is deprecated")

from PIL import Image, ImageCms
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def profile_check(reader):
    intents = reader.root.get("/OutputIntents")
    if not intents:
        return {"profile": None}
    data = intents[0].get_object()["/DestOutputProfile"].get_object().data
    profile = ImageCms.ImageCmsProfile(io.BytesIO(data))
    srgb = ImageCms.createProfile("sRGB")
    transform = ImageCms.buildTransform(profile, srgb, "RGB", "RGB")
    colours = [(0, 0, 0), (255, 255, 255), (128, 64, 200), (20, 51, 102), (230, 230, 235)]
    image = Image.new("RGB", (len(colours), 1))
    image.putdata(colours)
    out = list(ImageCms.applyTransform(image, transform).getdata())
    worst = max(abs(a - b) for c, o in zip(colours, out) for a, b in zip(c, o))
    return {"profile": ImageCms.getProfileDescription(profile).strip(), "worst_channel_error": worst}


def main():
    root = load_cert_from_pemder(sys.argv[1])
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            reader = PdfFileReader(f)
            result = {"file": path, "signatures": []}
            result.update(profile_check(reader))
            for sig in reader.embedded_signatures:
                context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
                status = validate_pdf_signature(sig, context)
                result["signatures"].append(
                    {
                        "intact": status.intact,
                        "valid": status.valid,
                        "trusted": status.trusted,
                        "coverage": str(status.coverage),
                        "docmdp": str(sig.docmdp_level),
                        "docmdp_ok": status.docmdp_ok,
                        "bottom_line": status.bottom_line,
                    }
                )
            print(json.dumps(result))


if __name__ == "__main__":
    main()
