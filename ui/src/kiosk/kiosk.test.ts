import { describe, expect, it } from "vitest";
import { formatText } from "../shared/i18n";
import type { KioskPlanDto } from "../shared/bindings";
import { QUIET, applySignal, resumeAt } from "./index";

describe("the kiosk's view of the station's signals", () => {
  it("follows a question from preparation to a saved answer", () => {
    let live = applySignal(QUIET, { type: "countdown", phase: "preparing", remainingMs: 30_000, totalMs: 30_000 });
    expect(live.phase).toBe("preparing");
    live = applySignal(live, { type: "countdown", phase: "answering", remainingMs: 119_000, totalMs: 120_000 });
    expect([live.phase, live.remainingMs]).toEqual(["answering", 119_000]);
    live = applySignal(live, { type: "answerDone", committed: true, attemptsLeft: 1 });
    expect(live.phase).toBeNull();
    expect(live.done).toEqual({ committed: true, attemptsLeft: 1 });
  });

  it("shows the wait for a decision, then the follow-up with its own countdowns, until the answer is saved", () => {
    let live = applySignal(QUIET, { type: "countdown", phase: "answering", remainingMs: 5_000, totalMs: 60_000 });
    live = applySignal(live, { type: "deciding" });
    expect([live.phase, live.deciding]).toEqual([null, true]);
    live = applySignal(live, { type: "followUp", ordinal: 1, question: "如果问题当场解决不了，您会怎么做？" });
    expect([live.deciding, live.followUp]).toEqual([false, { ordinal: 1, question: "如果问题当场解决不了，您会怎么做？" }]);
    live = applySignal(live, { type: "countdown", phase: "preparing", remainingMs: 15_000, totalMs: 15_000 });
    expect([live.phase, live.followUp?.ordinal]).toEqual(["preparing", 1]);
    live = applySignal(live, { type: "answerDone", committed: true, attemptsLeft: 0 });
    expect([live.phase, live.deciding, live.done?.committed]).toEqual([null, false, true]);
  });

  it("shows a device failure until the device is back, and the clerk call with it", () => {
    const message = { "zh-CN": "摄像头暂时没有画面。", en: "The camera has stopped." };
    let live = applySignal(QUIET, { type: "paused", device: "camera", message });
    expect(live.paused).toEqual(message);
    live = applySignal(live, { type: "callClerk", message });
    expect(live.callClerk).toEqual(message);
    live = applySignal(live, { type: "resumed" });
    expect([live.paused, live.callClerk]).toEqual([null, null]);
  });

  it("keeps the last preview and level, and a missing level reads as silence", () => {
    let live = applySignal(QUIET, { type: "preview", dataUrl: "data:image/jpeg;base64,AAAA" });
    live = applySignal(live, { type: "level", rmsDbfs: -20.5, peak: 0.3 });
    expect([live.preview, live.level]).toEqual(["data:image/jpeg;base64,AAAA", -20.5]);
    live = applySignal(live, { type: "level", rmsDbfs: null, peak: 0 });
    expect(live.level).toBe(-90);
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(formatText("第 {n} 题，共 {total} 题", { n: "1", total: "2" })).toBe("第 1 题，共 2 题");
    expect(formatText("{missing} left", {})).toBe("{missing} left");
  });

  it("takes a visit up where it stands after the page was reloaded", () => {
    const plan = { questions: [] } as unknown as KioskPlanDto;
    expect(resumeAt({ plan, step: { step: "confirm" } }).screen.name).toBe("confirm");
    expect(resumeAt({ plan, step: { step: "devices" } }).screen.name).toBe("devices");
    const practice = resumeAt({ plan, step: { step: "practice", done: true } });
    expect([practice.screen, practice.live.practiceDone]).toEqual([{ name: "question", plan, index: "practice", attempt: 1 }, true]);
    const running = resumeAt({ plan, step: { step: "question", index: 1, attempt: 2, done: null } });
    expect([running.screen, running.live.done]).toEqual([{ name: "question", plan, index: 1, attempt: 2 }, null]);
    // Reloaded while a follow-up is asked: it is shown again with its question.
    const asking = resumeAt({ plan, step: { step: "question", index: 1, attempt: 1, done: null, followUp: { ordinal: 1, question: "如果当场解决不了呢？" } } });
    expect(asking.live.followUp).toEqual({ ordinal: 1, question: "如果当场解决不了呢？" });
    const ended = resumeAt({ plan, step: { step: "question", index: 0, attempt: 1, done: { committed: true, attemptsLeft: 1 } } });
    expect(ended.live.done).toEqual({ committed: true, attemptsLeft: 1 });
  });
});
