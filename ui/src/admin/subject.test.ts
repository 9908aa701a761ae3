import { describe, expect, it } from "vitest";
import { subjectText } from "./wizard";

describe("a certificate's subject", () => {
  it("reads as its names, without attribute codes", () => {
    expect(subjectText("CN=Interview Report Signing,O=某市人社局")).toBe("Interview Report Signing · 某市人社局");
    expect(subjectText("O=Agency, CN=Signer, C=CN")).toBe("Signer · Agency · CN");
    expect(subjectText("something else")).toBe("something else");
  });
});
