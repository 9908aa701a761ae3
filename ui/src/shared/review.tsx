// The review screen, shared by the clerk (who rates, handles flags and decides) and the auditor
// (who reads). What may be done is the backend's answer (`canReview`), checked again by the vault.
import { convertFileSrc } from "@tauri-apps/api/core";
import { useEffect, useRef, useState } from "preact/hooks";
import { commands, textIn } from "./api";
import type { Band, ReviewAnswerDto, ReviewDto_Serialize as ReviewDto, SegmentDto } from "./bindings";
import { runCommand } from "./call";
import { type Key, formatText, useT } from "./i18n";
import { useSensitive } from "./reauth";
import { Alert, Done } from "./notice";
import { BANDS, BAND_LABEL, stateKey } from "./vocabulary";
import { Form } from "./form";
import { ExportedFile } from "./exported";

/// `83500` → `1:23`.
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/// The segment holding `ms` (the last one starting at or before it).
export function segmentAt(segments: SegmentDto[], ms: number): number {
  let found = 0;
  segments.forEach((s, i) => {
    if (s.offsetMs <= ms) found = i;
  });
  return found;
}

/// Plays one answer: its ~2 s segments fetched from the media protocol (decrypted in memory by
/// the backend), each played from a blob URL and followed by the next.
export interface PlayerHandle {
  seek: (ms: number) => void;
}

function Player(props: { answerId: number; durationMs: number; handle: { current: PlayerHandle | null }; onTime: (ms: number) => void }) {
  const { t, lang } = useT();
  const [position, setPosition] = useState(0);
  const video = useRef<HTMLVideoElement>(null);
  const [segments, setSegments] = useState<SegmentDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const urls = useRef(new Map<number, string>());
  const current = useRef(0);
  const pendingSeek = useRef<number | null>(null);

  useEffect(
    () => () => {
      urls.current.forEach((u) => URL.revokeObjectURL(u));
      urls.current.clear();
    },
    [],
  );

  const blobUrl = async (mediaId: number): Promise<string> => {
    const known = urls.current.get(mediaId);
    if (known !== undefined) return known;
    const response = await fetch(convertFileSrc(String(mediaId), "media"));
    if (!response.ok) throw new Error(`media ${mediaId}: ${response.status}`);
    const url = URL.createObjectURL(await response.blob());
    urls.current.set(mediaId, url);
    return url;
  };

  const load = async (): Promise<SegmentDto[] | null> => {
    if (segments !== null) return segments;
    const result = await runCommand(() => commands.reviewPlaylist(props.answerId), lang);
    if (!result.ok) {
      setError(result.error);
      return null;
    }
    setSegments(result.data);
    return result.data;
  };

  const play = async (list: SegmentDto[], index: number, withinMs: number) => {
    const segment = list[index];
    const v = video.current;
    if (segment === undefined || v === null) return;
    try {
      const url = await blobUrl(segment.mediaId);
      current.current = index;
      pendingSeek.current = withinMs;
      if (v.src !== url) v.src = url;
      else v.currentTime = withinMs / 1000;
      await v.play().catch(() => undefined);
      // Fetch the next one while this plays.
      const next = list[index + 1];
      if (next !== undefined) void blobUrl(next.mediaId).catch(() => undefined);
    } catch (e) {
      console.error("playback", e);
      setError(`${t("review.player.error")} (${String(e)})`);
    }
  };

  props.handle.current = {
    seek: (ms: number) => {
      void load().then((list) => {
        if (list === null || list.length === 0) return;
        const index = segmentAt(list, ms);
        const segment = list[index];
        if (segment !== undefined) void play(list, index, Math.max(0, ms - segment.offsetMs));
      });
    },
  };

  const onLoaded = () => {
    const v = video.current;
    if (v !== null && pendingSeek.current !== null) {
      v.currentTime = pendingSeek.current / 1000;
      pendingSeek.current = null;
    }
  };
  const onEnded = () => {
    if (segments !== null && current.current + 1 < segments.length) void play(segments, current.current + 1, 0);
  };
  const onTime = () => {
    const v = video.current;
    const segment = segments?.[current.current];
    if (v !== null && segment !== undefined) {
      const position = segment.offsetMs + v.currentTime * 1000;
      // Where in the whole answer the player is (segments are played one after another).
      v.dataset.positionMs = String(Math.round(position));
      setPosition(position);
      props.onTime(position);
    }
  };

  return (
    <div class="player" data-testid={`player-${props.answerId}`}>
      <video ref={video} onError={() => setError(`${t("review.player.error")} (media error ${video.current?.error?.code ?? "?"})`)} onLoadedMetadata={onLoaded} onEnded={onEnded} onTimeUpdate={onTime} controls={false} playsInline aria-label={t("review.player.label")} data-testid="player-video" />
      <p class="actions">
        <button
          type="button"
          class="button"
          onClick={() => {
            const v = video.current;
            // Resume where it was paused; from the start when nothing was played or it ended.
            if (v !== null && segments !== null && v.paused && v.src !== "" && !v.ended) void v.play().catch(() => undefined);
            else if (segments === null || v?.paused) props.handle.current?.seek(0);
            else v?.pause();
          }}
          data-testid="player-play"
        >
          {t("review.player.play")}
        </button>{" "}
        <button type="button" class="button button--quiet" onClick={() => video.current?.pause()}>
          {t("review.player.pause")}
        </button>
        {segments !== null && segments.length === 0 && <span> {t("review.player.none")}</span>}
      </p>
      <p class="player__time">
        <input
          type="range"
          min={0}
          max={Math.max(1, props.durationMs)}
          step={100}
          value={Math.min(position, props.durationMs)}
          onInput={(e) => props.handle.current?.seek(Number(e.currentTarget.value))}
          aria-label={t("review.player.position")}
          data-testid="player-position"
        />{" "}
        <span data-testid="player-clock">{`${clock(position)} / ${clock(props.durationMs)}`}</span>
      </p>
      <Alert text={error} testId="player-error" />
    </div>
  );
}

function AnswerView(props: { answer: ReviewAnswerDto }) {
  const { t } = useT();
  const handle = useRef<PlayerHandle | null>(null);
  const [now, setNow] = useState(-1);
  const a = props.answer;
  return (
    <section class="card answer" aria-labelledby={`answer-${a.answerId}`} data-testid={`answer-${a.answerId}`}>
      <h3 id={`answer-${a.answerId}`}>{formatText(t("review.answer.title"), { n: String(a.position), q: a.question })}</h3>
      {a.personalised && (
        <p class="hint" data-testid="answer-personalised">
          {t("review.answer.personalised")}
        </p>
      )}
      <div class="answer__grid">
        <Player answerId={a.answerId} durationMs={a.durationMs} handle={handle} onTime={setNow} />
        <div>
          <h4>{t("review.transcript")}</h4>
          {a.transcript.length === 0 ? (
            <p>{t("review.transcript.none")}</p>
          ) : (
            <ol class="transcript" data-testid="transcript">
              {a.transcript.map((line) => (
                <li key={line.startMs} class={now >= line.startMs && now < line.endMs ? "current" : undefined}>
                  <button type="button" class="link" onClick={() => handle.current?.seek(line.startMs)} data-testid="transcript-line">
                    <time>{clock(line.startMs)}</time> {line.text}
                    {line.uncertain && (
                      <small class="uncertain" data-testid="transcript-uncertain">
                        {` ${t("review.uncertain")}`}
                      </small>
                    )}
                  </button>
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
      {a.followUps.length > 0 && <FollowUps answer={a} seek={(ms) => handle.current?.seek(ms)} />}
      <h4>{t("review.scores")}</h4>
      {a.scores.length === 0 && <p>{t("review.scores.none")}</p>}
      {a.scores.map((s) => (
        <div key={s.dimension} class="score" data-testid="score">
          <p>
            <strong>{s.dimension}</strong> {formatText(t("review.level"), { level: (s.level ?? 0).toFixed(1) })}
          </p>
          <ul class="evidence">
            {s.evidence.map((e) => (
              <li key={e.point} class={e.covered ? "ok" : "missing"}>
                {e.covered ? (
                  <button type="button" class="link" onClick={() => handle.current?.seek(e.startMs)} data-testid="evidence">
                    <span class="evidence__point">{e.point}</span> “<mark>{e.quote}</mark>” <time>{clock(e.startMs)}</time>
                    {e.uncertain && (
                      <small class="uncertain" data-testid="evidence-uncertain">
                        {` ${t("review.evidence.uncertain")}`}
                      </small>
                    )}
                  </button>
                ) : (
                  <span>
                    <span class="evidence__point">{e.point}</span> {t("review.evidence.missing")}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </div>
      ))}
      {a.levels.length > 0 && (
        <details class="levels-meaning" data-testid="rubric-levels">
          <summary>{t("review.levels")}</summary>
          <dl>
            {a.levels.map((l) => (
              <div key={l.level}>
                <dt>{formatText(t("review.levels.level"), { level: String(l.level) })}</dt>
                <dd>
                  {l.description}
                  {l.examples.length > 0 && <small>{` ${t("review.levels.example")} “${l.examples[0]}”`}</small>}
                </dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </section>
  );
}

/// What the kiosk decided after the answer: which key points it found missing, what it asked
/// (with a link to where the follow-up starts in the recording), and the live transcript the
/// decision was made on — or that it was too late to ask.
function FollowUps(props: { answer: ReviewAnswerDto; seek: (ms: number) => void }) {
  const { t, lang } = useT();
  const first = props.answer.followUps[0];
  return (
    <div class="follow-ups" data-testid="follow-ups">
      <h4>{t("review.followUps")}</h4>
      <p data-testid="follow-ups-outcome" data-outcome={first?.outcome}>
        {first === undefined ? null : t(`review.followUps.${first.outcome}`)}
        {first?.waitedMs != null && ` ${formatText(t("review.followUps.waited"), { s: (first.waitedMs / 1000).toLocaleString(lang, { maximumFractionDigits: 1 }) })}`}
      </p>
      {first !== undefined && first.missing.length > 0 && (
        <p class="hint" data-testid="follow-ups-missing">
          {formatText(t("review.followUps.missing"), { points: first.missing.join(lang === "en" ? "; " : "；") })}
        </p>
      )}
      <ol>
        {props.answer.followUps
          .filter((f) => f.outcome === "asked")
          .map((f) => (
            <li key={f.ordinal} data-testid="follow-up-asked">
              {f.startMs != null ? (
                <button type="button" class="link" onClick={() => props.seek(f.startMs ?? 0)}>
                  <time>{clock(f.startMs ?? 0)}</time> {f.question}
                </button>
              ) : (
                f.question
              )}{" "}
              <small>{formatText(t("review.followUps.about"), { point: f.point ?? "" })}</small>
            </li>
          ))}
      </ol>
      {first?.heard != null && (
        <details>
          <summary>{t("review.followUps.heard")}</summary>
          <p data-testid="follow-ups-heard">{first.heard}</p>
        </details>
      )}
    </div>
  );
}

export function ReviewScreen(props: { interviewId?: number; candidateId?: number; onBack: () => void }) {
  const { t, lang } = useT();
  const [review, setReview] = useState<ReviewDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [exportedPath, setExportedPath] = useState<string | null>(null);
  const sensitive = useSensitive();
  useEffect(() => {
    void runCommand(
      () => (props.interviewId !== undefined ? commands.reviewOpen(props.interviewId) : commands.reviewOfCandidate(props.candidateId ?? 0)),
      lang,
    ).then((r) => (r.ok ? setReview(r.data) : setError(r.error)));
  }, [props.interviewId, props.candidateId]);
  const act = async (call: () => Promise<{ status: "ok"; data: ReviewDto } | { status: "error"; error: unknown }>, done: Key) => {
    setNotice(null);
    setExportedPath(null);
    const r = await runCommand(call, lang);
    if (r.ok) {
      setReview(r.data);
      setError(null);
      setNotice(t(done));
    } else setError(r.error);
    return r.ok;
  };
  const exportReport = async () => {
    if (review === null) return;
    setNotice(null);
    setExportedPath(null);
    const r = await sensitive.run(() => commands.exportCandidateReport(review.interviewId));
    if (r.ok) {
      setError(null);
      setNotice(
        r.data.signed
          ? formatText(t("export.signed"), { id: r.data.reportId })
          : formatText(t("export.draft"), { why: r.data.draftReason ? textIn(r.data.draftReason, lang) : "" }),
      );
      setExportedPath(r.data.path);
    } else if (r.error !== "") setError(r.error);
  };
  return (
    <section aria-labelledby="review-title" data-testid="review">
      <p>
        <button type="button" class="button button--quiet" onClick={props.onBack} data-testid="review-back">
          {t("common.back")}
        </button>
      </p>
      <Alert text={error} testId="review-error" />
      <Done text={notice} testId="review-notice" />
      {exportedPath !== null && <ExportedFile path={exportedPath} testId="review-exported" />}
      {sensitive.dialog}
      {review !== null && (
        <>
          <header class="card">
            <h3 id="review-title" data-testid="review-candidate">
              {review.candidateName}
              {review.idLast4 !== null && <small>{` · ${t("review.idLast4")} ${review.idLast4}`}</small>}
            </h3>
            <dl class="facts">
              <dt>{t("review.interviewNo")}</dt>
              <dd data-testid="review-interview-no">{review.interviewId}</dd>
              <dt>{t("review.job")}</dt>
              <dd>{review.jobTitle}</dd>
              <dt>{t("review.state")}</dt>
              <dd data-testid="review-state">{t(stateKey(review.state))}</dd>
              <dt>{t("review.total")}</dt>
              <dd data-testid="review-total">
                {review.total === null ? "—" : `${review.total.toFixed(1)} · ${t("review.aiSuggests")} ${review.aiBand ? t(BAND_LABEL[review.aiBand]) : "—"}`}
              </dd>
              <dt>{t("review.decision")}</dt>
              <dd data-testid="review-decision">
                {review.decision === null ? t("review.decision.none") : `${t(BAND_LABEL[review.decision.band])} · ${review.decision.reason} (${review.decision.decider})`}
                {review.decision?.overOpenFlags != null && (
                  <p class="notice" data-testid="review-decision-over-flags">
                    {formatText(t("review.decision.overFlags"), { n: String(review.decision.openFlags), why: review.decision.overOpenFlags })}
                  </p>
                )}
              </dd>
            </dl>
            <p class="hint">{t("review.aiAdvice")}</p>
            <button type="button" class="button" onClick={() => void exportReport()} data-testid="export-report">
              {t("export.candidate")}
            </button>
          </header>
          {review.answers.map((a) => (
            <AnswerView key={a.answerId} answer={a} />
          ))}
          <Flags review={review} act={act} />
          {review.canReview && <RateAndDecide review={review} act={act} />}
          <Ratings review={review} />
        </>
      )}
    </section>
  );
}

/// Runs a review step; resolves to whether it was saved.
type Act = (call: () => Promise<{ status: "ok"; data: ReviewDto } | { status: "error"; error: unknown }>, done: Key) => Promise<boolean>;

function Flags(props: { review: ReviewDto; act: Act }) {
  const { t, lang } = useT();
  const r = props.review;
  return (
    <section class="card" aria-labelledby="flags-title" data-testid="flags">
      <h3 id="flags-title">{t("review.flags")}</h3>
      {r.flags.length === 0 ? (
        <p>{t("review.flags.none")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("review.flags.what")}</th>
              <th scope="col">{t("review.flags.where")}</th>
              <th scope="col">{t("review.flags.status")}</th>
              {r.canReview && <th scope="col" />}
            </tr>
          </thead>
          <tbody>
            {r.flags.map((f) => {
              const position = r.answers.find((a) => a.answerId === f.answerId)?.position;
              return (
                <tr key={f.id} data-testid="flag" data-status={f.status}>
                  <td>{textIn(f.label, lang)}</td>
                  <td>{position === undefined ? "—" : `${formatText(t("review.flags.answer"), { n: String(position) })} ${f.startMs === null ? "" : clock(f.startMs)}`}</td>
                  <td>{t(f.status === "confirmed" ? "flag.confirmed" : f.status === "dismissed" ? "flag.dismissed" : "flag.open")}</td>
                  {r.canReview && (
                    <td>
                      {f.status === "open" && (
                        <>
                          <button type="button" class="button" onClick={() => void props.act(() => commands.reviewFlag(r.interviewId, f.id, true), "review.flags.saved")} data-testid="flag-confirm">
                            {t("flag.confirm")}
                          </button>{" "}
                          <button type="button" class="button button--quiet" onClick={() => void props.act(() => commands.reviewFlag(r.interviewId, f.id, false), "review.flags.saved")} data-testid="flag-dismiss">
                            {t("flag.dismiss")}
                          </button>
                        </>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RateAndDecide(props: { review: ReviewDto; act: Act }) {
  const { t } = useT();
  const r = props.review;
  const [levels, setLevels] = useState<Record<string, number>>({});
  const [note, setNote] = useState("");
  // No band is chosen for the reviewer (not even the AI's): the decision is theirs to make.
  const [band, setBand] = useState<Band | null>(r.decision?.band ?? null);
  const [reason, setReason] = useState("");
  const [overFlags, setOverFlags] = useState("");
  const openFlags = r.flags.filter((f) => f.status === "open").length;
  // "Saved" said beside the button pressed, with what was saved still shown.
  const [rateSaved, setRateSaved] = useState(false);
  const [decideSaved, setDecideSaved] = useState(false);
  const rateSavedAt = useRef<HTMLDivElement>(null);
  const decideSavedAt = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (rateSaved) rateSavedAt.current?.scrollIntoView({ block: "nearest" });
  }, [rateSaved]);
  useEffect(() => {
    if (decideSaved) decideSavedAt.current?.scrollIntoView({ block: "nearest" });
  }, [decideSaved]);
  const [rater, setRater] = useState("");
  const rated = Object.keys(levels).length;
  return (
    <>
      <section class="card" aria-labelledby="rate-title" data-testid="rate">
        <h3 id="rate-title">{t("review.rate")}</h3>
        <p>{t("review.rate.lead")}</p>
        <Form
          class="form"
          onSubmit={(e) => {
            e.preventDefault();
            const ratings = Object.entries(levels).map(([dimension, level]) => ({ dimension, level, note: note.trim() === "" ? null : note }));
            void props.act(() => commands.reviewRate(r.interviewId, ratings), "review.rate.saved").then(setRateSaved);
          }}
        >
          {r.dimensions.map((d) => (
            <fieldset key={d.name} class="levels" data-testid="rate-dimension">
              <legend>
                {`${d.name} (${d.weightPct}%)`}{" "}
                <small data-testid="rate-ai-level">
                  {d.aiLevel == null ? t("review.rate.aiNone") : formatText(t("review.rate.ai"), { level: d.aiLevel.toFixed(1) })}
                </small>
              </legend>
              {[1, 2, 3, 4, 5].map((level) => (
                <label key={level} class="inline">
                  <input type="radio" name={`level-${d.name}`} checked={levels[d.name] === level} onChange={() => {
                      setLevels({ ...levels, [d.name]: level });
                      setRateSaved(false);
                    }} data-testid={`rate-${level}`} />
                  {level}
                </label>
              ))}
            </fieldset>
          ))}
          <label>
            {t("review.rate.note")}
            <input value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <button type="submit" class="button button--primary" disabled={rated === 0} data-testid="rate-save">
            {t("review.rate.save")}
          </button>
          <div ref={rateSavedAt}>
            <Done text={rateSaved ? t("review.rate.saved") : null} testId="rate-saved" />
          </div>
        </Form>
      </section>
      <section class="card" aria-labelledby="decide-title" data-testid="decide">
        <h3 id="decide-title">{t("review.decide")}</h3>
        <Form
          class="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (band === null) return;
            const over = openFlags > 0 ? overFlags : null;
            void props.act(() => commands.reviewDecide(r.interviewId, band, reason, over), "review.decide.saved").then(setDecideSaved);
          }}
        >
          <fieldset class="levels">
            <legend>{t("review.decide.band")}</legend>
            {BANDS.map((b) => (
              <label key={b} class="inline">
                <input
                  type="radio"
                  name="band"
                  checked={band === b}
                  onChange={() => {
                    setBand(b);
                    setDecideSaved(false);
                  }}
                  data-testid={`decide-${b}`}
                />
                {t(BAND_LABEL[b])}
                {r.aiBand === b && <small>{` (${t("review.decide.ai")})`}</small>}
              </label>
            ))}
          </fieldset>
          <label>
            {t("review.decide.reason")}
            <textarea
              value={reason}
              onInput={(e) => {
                setReason(e.currentTarget.value);
                setDecideSaved(false);
              }}
              rows={3}
              required
              data-testid="decide-reason"
            />
          </label>
          {openFlags > 0 && (
            <>
              <p class="notice" role="note" data-testid="decide-open-flags">
                {formatText(t("review.decide.openFlags"), { n: String(openFlags) })}
              </p>
              <label>
                {t("review.decide.overFlags")}
                <textarea
                  value={overFlags}
                  onInput={(e) => {
                    setOverFlags(e.currentTarget.value);
                    setDecideSaved(false);
                  }}
                  rows={2}
                  required
                  data-testid="decide-over-flags"
                />
              </label>
            </>
          )}
          <button
            type="submit"
            class="button button--primary"
            disabled={band === null || reason.trim() === "" || (openFlags > 0 && overFlags.trim() === "")}
            data-testid="decide-save"
          >
            {t("review.decide.save")}
          </button>
          <div ref={decideSavedAt}>
            <Done text={decideSaved ? t("review.decide.saved") : null} testId="decide-saved" />
          </div>
        </Form>
      </section>
      <section class="card" aria-labelledby="second-title" data-testid="second-rater">
        <h3 id="second-title">{t("review.second")}</h3>
        <p>{t("review.second.lead")}</p>
        <Form
          class="form form--row"
          onSubmit={(e) => {
            e.preventDefault();
            void props.act(
              () => commands.reviewRequestRater(r.interviewId, rater).then((x) => (x.status === "ok" ? commands.reviewOpen(r.interviewId) : x)),
              "review.second.saved",
            );
          }}
        >
          <label>
            {t("review.second.who")}
            <input value={rater} onInput={(e) => setRater(e.currentTarget.value)} required data-testid="second-rater-name" />
          </label>
          <button type="submit" class="button" disabled={rater.trim() === ""} data-testid="second-rater-ask">
            {t("review.second.ask")}
          </button>
        </Form>
      </section>
    </>
  );
}

function Ratings(props: { review: ReviewDto }) {
  const { t, lang } = useT();
  const time = new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" });
  if (props.review.ratings.length === 0) return null;
  return (
    <section class="card" aria-labelledby="ratings-title" data-testid="ratings">
      <h3 id="ratings-title">{t("review.ratings")}</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("review.ratings.rater")}</th>
            <th scope="col">{t("review.ratings.dimension")}</th>
            <th scope="col">{t("review.ratings.level")}</th>
            <th scope="col">{t("review.rate.note")}</th>
            <th scope="col">{t("review.ratings.when")}</th>
          </tr>
        </thead>
        <tbody>
          {props.review.ratings.map((x, i) => (
            <tr key={i}>
              <td>{x.rater}</td>
              <td>{x.dimension}</td>
              <td>{x.level}</td>
              <td>{x.note ?? ""}</td>
              <td>{time.format(new Date(x.atMs ?? 0))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
