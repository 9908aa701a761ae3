import { describe, expect, it } from "vitest";
import { formatPdfDate } from "./index";

describe("formatPdfDate", () => {
  it("reads a PDF date with its offset", () => {
    const text = formatPdfDate("D:20261202031757+00'00'", "en");
    expect(text).toContain("2026");
    expect(text).toContain("December");
  });

  it("leaves what it cannot read as it is, and shows a dash for nothing", () => {
    expect(formatPdfDate("yesterday", "en")).toBe("yesterday");
    expect(formatPdfDate(null, "zh-CN")).toBe("—");
  });
});
