import { describe, expect, it } from "vitest";
import type { Replay_Serialize as Replay, Suggestion, ValidityTableDto_Serialize as ValidityTableDto } from "./bindings";
import { applyMode, change, decimal, percent, ratePercent, suggestedWeights, tablesShown } from "./validity";

const suggestion: Suggestion = {
  criterion: "performance",
  n: 34,
  maxStepBp: 1000,
  dimensions: [
    { dimension: "沟通能力", evidence: 0.21, currentBp: 4000, targetBp: 5500, suggestedBp: 5000 },
    { dimension: "服务意识", evidence: 0, currentBp: 3500, targetBp: 2000, suggestedBp: 2750 },
    { dimension: "应急处理", evidence: null, currentBp: 2500, targetBp: 2500, suggestedBp: 2250 },
  ],
};
const replay = (passes: boolean): Replay => ({ candidates: 40, bandChanges: [], groups: [], passes });

describe("validity screen", () => {
  it("writes weights as percentages and their change in points", () => {
    expect(percent(4000)).toBe("40%");
    expect(percent(2750)).toBe("27.5%");
    expect(percent(3333)).toBe("33.33%");
    expect(change(4000, 5000)).toBe("+10");
    expect(change(3500, 2750)).toBe("-7.5");
    expect(change(2500, 2500)).toBe("0");
  });
  it("writes the statistics, and a dash where there is no number", () => {
    expect(decimal(0.4167)).toBe("0.42");
    expect(decimal(-0.05)).toBe("-0.05");
    expect(decimal(null)).toBe("—");
    expect(ratePercent(0.5)).toBe("50%");
    expect(ratePercent(null)).toBe("—");
  });
  it("sends back exactly the suggested weights", () => {
    expect(suggestedWeights(suggestion)).toEqual([
      { dimension: "沟通能力", basisPoints: 5000 },
      { dimension: "服务意识", basisPoints: 2750 },
      { dimension: "应急处理", basisPoints: 2250 },
    ]);
  });
  it("offers applying by role and by the fairness check", () => {
    const clerk = { canApply: true, canApplyOverFairness: false };
    const admin = { canApply: true, canApplyOverFairness: true };
    const auditor = { canApply: false, canApplyOverFairness: false };
    const check = (who: typeof clerk, passes: boolean | null) =>
      applyMode({ ...who, suggestion: passes === null ? null : suggestion, replay: passes === null ? null : replay(passes) });
    expect(check(clerk, true)).toBe("apply");
    expect(check(admin, true)).toBe("apply");
    expect(check(auditor, true)).toBe("read-only");
    expect(check(clerk, false)).toBe("admin-only");
    expect(check(admin, false)).toBe("reason");
    expect(check(auditor, false)).toBe("read-only");
    expect(check(admin, null)).toBe("none");
  });
  it("shows the criteria someone has, in the screen's order", () => {
    const table = (criterion: ValidityTableDto["criterion"], n: number): ValidityTableDto => ({ criterion, n, enough: n >= 30, rows: [] });
    const shown = tablesShown([table("retention", 3), table("performance", 0), table("probation", 31)]);
    expect(shown.map((t) => t.criterion)).toEqual(["probation", "retention"]);
  });
});
