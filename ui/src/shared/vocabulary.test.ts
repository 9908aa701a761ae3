import { describe, expect, it } from "vitest";
import { BANDS, CRITERIA, EDUCATIONS, LANG_OPTIONS, ROLES, SCALES, STATES, member, stateKey } from "./vocabulary";

describe("vocabulary", () => {
  it("lists every member of each union once, in screen order", () => {
    expect(BANDS).toEqual(["recommend", "hold", "not_recommended"]);
    expect(STATES).toHaveLength(7);
    expect(ROLES).toEqual(["clerk", "auditor", "kiosk", "admin"]);
    expect(LANG_OPTIONS).toEqual(["zh-CN", "en"]);
    expect(CRITERIA).toEqual(["probation", "performance", "retention"]);
    expect(SCALES).toEqual(["grades4", "points5"]);
    expect(EDUCATIONS).toEqual(["secondary", "associate", "bachelor", "master", "doctorate"]);
  });
  it("reads a select's value back, and refuses what is not a member", () => {
    expect(member(ROLES, "auditor")).toBe("auditor");
    expect(() => member(ROLES, "superuser")).toThrow(/superuser/);
    expect(member(SCALES, "points5")).toBe("points5");
    expect(() => member(CRITERIA, "salary")).toThrow(/salary/);
  });
  it("labels a candidate with no interview", () => {
    expect(stateKey(null)).toBe("state.none");
    expect(stateKey("scored")).toBe("state.scored");
  });
});
