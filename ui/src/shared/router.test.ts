import { describe, expect, it } from "vitest";
import { AREAS, hrefOf, parseArea, parseRest } from "./router";

describe("router", () => {
  it("round-trips every area", () => {
    for (const area of AREAS) expect(parseArea(hrefOf(area))).toBe(area);
  });
  it("falls back to the admin area for anything else", () => {
    expect(parseArea("")).toBe("admin");
    expect(parseArea("#/nowhere")).toBe("admin");
    expect(parseArea("#/clerk/jobs/3")).toBe("clerk");
  });
  it("reads the address inside an area", () => {
    expect(parseRest("#/clerk/review/c12")).toEqual(["review", "c12"]);
    expect(parseRest("#/clerk")).toEqual([]);
    expect(parseRest("#/auditor/verify/")).toEqual(["verify"]);
  });
});
