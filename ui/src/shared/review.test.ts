import { describe, expect, it } from "vitest";
import { weightSum } from "../clerk/jobs";
import type { JobDto } from "./bindings";
import { clock, segmentAt } from "./review";

describe("review helpers", () => {
  it("finds the segment holding a moment of the answer", () => {
    const segments = [0, 2000, 4000].map((offsetMs, i) => ({ mediaId: i + 10, offsetMs, durationMs: 2000 }));
    expect(segmentAt(segments, 0)).toBe(0);
    expect(segmentAt(segments, 1999)).toBe(0);
    expect(segmentAt(segments, 2000)).toBe(1);
    expect(segmentAt(segments, 9999)).toBe(2);
  });
  it("shows times as minutes and seconds", () => {
    expect(clock(0)).toBe("0:00");
    expect(clock(83_500)).toBe("1:23");
  });
  it("adds weights to two decimals without floating-point drift", () => {
    expect(weightSum([33.33, 33.33, 33.34])).toBe(100);
    expect(weightSum([40, 35, 25])).toBe(100);
    expect(weightSum([40, 35])).toBe(75);
  });
});

describe("question bank", () => {
  it("names the weighted dimensions no key point asks about", async () => {
    const { uncovered } = await import("../clerk/jobs");
    const job: JobDto = { id: 1, title: "x", language: "zh-CN", dimensions: [{ name: "A", weightPct: 50 }, { name: "B", weightPct: 50 }, { name: "C", weightPct: 0 }], recommend: 80, hold: 60, questions: 1, candidates: 0 };
    const q = { id: 1, situational: false, text: "q", rubric: { keyPoints: [{ dimension: "A", text: "p", synonyms: [], followUpZh: "", followUpEn: "" }], levels: [], followUps: 0 }, dimensions: ["A"], prepSeconds: 1, answerSeconds: 1, retakes: 0, version: 1, frozen: false, revision: 0, generic: [] };
    expect(uncovered(job, [q])).toEqual(["B"]);
    expect(uncovered(job, [])).toEqual(["A", "B"]);
  });
});
