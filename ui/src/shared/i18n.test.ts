import { describe, expect, it } from "vitest";
import { DICTIONARIES, LANGS, parseLang } from "./i18n";

describe("i18n", () => {
  it("has every key, non-empty, in every language", () => {
    const keys = Object.keys(DICTIONARIES["zh-CN"]).sort();
    for (const lang of LANGS) {
      const table = DICTIONARIES[lang];
      expect(Object.keys(table).sort()).toEqual(keys);
      for (const key of keys) {
        expect((table as Record<string, string>)[key]?.trim(), `${lang} ${key}`).toBeTruthy();
      }
    }
  });

  it("really translates: the Chinese table is Chinese and the English one is not", () => {
    const zh = DICTIONARIES["zh-CN"] as Record<string, string>;
    const en = DICTIONARIES.en as Record<string, string>;
    // Language-switch labels name the other language, so they are the exception.
    const keys = Object.keys(zh).filter((k) => !k.startsWith("lang.switch"));
    // Chinese: ideographs, or for a pure pattern ("{name}（{role}）") Chinese punctuation.
    const chinese = /[\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e]/;
    for (const key of keys) {
      expect(chinese.test(zh[key]!), `zh-CN ${key}`).toBe(true);
      expect(chinese.test(en[key]!), `en ${key}`).toBe(false);
    }
  });

  it("defaults to zh-CN", () => {
    expect(parseLang(null)).toBe("zh-CN");
    expect(parseLang("fr")).toBe("zh-CN");
    expect(parseLang("en")).toBe("en");
  });
});
