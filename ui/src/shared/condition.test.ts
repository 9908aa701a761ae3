import { describe, expect, it } from "vitest";
import { NO_CONDITION, conditionOf, fieldsOf, splitList } from "./condition";

describe("condition fields", () => {
  it("make no condition when empty (a core question)", () => {
    expect(conditionOf(NO_CONDITION)).toBeNull();
    expect(conditionOf({ ...NO_CONDITION, phrases: " 、 ," })).toBeNull();
  });
  it("make one test per filled field, and read back the same", () => {
    const condition = conditionOf({ years: "3", education: ["master"], phrases: "带领、团队管理", roles: "组长" });
    expect(condition).toEqual({
      all: [{ years_at_least: 3 }, { education_in: ["master"] }, { any_phrase: ["带领", "团队管理"] }, { role_held: ["组长"] }],
    });
    expect(fieldsOf(condition)).toEqual({ years: "3", education: ["master"], phrases: "带领、团队管理", roles: "组长" });
  });
  it("split lists at the separators clerks type", () => {
    expect(splitList("Excel、Python，SQL; Word\nPPT")).toEqual(["Excel", "Python", "SQL", "Word", "PPT"]);
  });
  it("bound the years", () => {
    expect(conditionOf({ ...NO_CONDITION, years: "99" })).toEqual({ all: [{ years_at_least: 60 }] });
  });
});
