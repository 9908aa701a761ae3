import { describe, expect, it } from "vitest";
import { BANDS, LANG_OPTIONS, ROLES, STATES, member, stateKey } from "./vocabulary";

describe("vocabulary", () => {
  it("lists every member of each union once, in screen order", () => {
    expect(BANDS).toEqual(["recommend", "hold", "not_recommended"]);
    expect(STATES).toHaveLength(7);
    expect(ROLES).toEqual(["clerk", "auditor", "kiosk", "admin"]);
    expect(LANG_OPTIONS).toEqual(["zh-CN", "en"]);
  });
  it("reads a select's value back, and refuses what is not a member", () => {
    expect(member(ROLES, "auditor")).toBe("auditor");
    expect(() => member(ROLES, "superuser")).toThrow(/superuser/);
  });
  it("labels a candidate with no interview", () => {
    expect(stateKey(null)).toBe("state.none");
    expect(stateKey("scored")).toBe("state.scored");
  });
});
