// The product's vocabulary as the screens show it. The unions come from the generated bindings
// (one Rust enum each); every table here is a Record over its union, so a state, band or role
// added in Rust fails `npm run check` until it has a label, instead of showing a blank.
import type { Band, Criterion, Education, InterviewState, Lang, RatingScale, RecognitionModels, ResumeSource, Role } from "./bindings";
import type { Key } from "./i18n";

export const BAND_LABEL: Record<Band, Key> = {
  recommend: "band.recommend",
  hold: "band.hold",
  not_recommended: "band.not_recommended",
};

export const STATE_LABEL: Record<InterviewState, Key> = {
  invited: "state.invited",
  checked_in: "state.checked_in",
  in_progress: "state.in_progress",
  completed: "state.completed",
  scored: "state.scored",
  reviewed: "state.reviewed",
  declined: "state.declined",
};

export const ROLE_LABEL: Record<Role, Key> = {
  clerk: "role.clerk",
  auditor: "role.auditor",
  kiosk: "role.kiosk",
  admin: "role.admin",
};

export const MODELS_LABEL: Record<RecognitionModels, Key> = {
  int8: "models.int8",
  float: "models.float",
};

/// The highest education a résumé states, in order.
export const EDUCATION_LABEL: Record<Education, Key> = {
  secondary: "education.secondary",
  associate: "education.associate",
  bachelor: "education.bachelor",
  master: "education.master",
  doctorate: "education.doctorate",
};

/// Where a candidate's résumé facts came from.
export const RESUME_SOURCE_LABEL: Record<ResumeSource, Key> = {
  import: "resume.source.import",
  api: "resume.source.api",
  clerk: "resume.source.clerk",
  file: "resume.source.file",
};

/// What a person's later record is measured by (the validity screen's criteria).
export const CRITERION_LABEL: Record<Criterion, Key> = {
  probation: "criterion.probation",
  performance: "criterion.performance",
  retention: "criterion.retention",
};

/// The performance-rating scales an outcome file may use.
export const SCALE_LABEL: Record<RatingScale, Key> = {
  grades4: "scale.grades4",
  points5: "scale.points5",
};

/// A language's own name, as language pickers show it whatever the interface language.
export const LANG_NAME: Record<Lang, string> = { "zh-CN": "简体中文", en: "English" };

const keys = <T extends string>(record: Record<T, unknown>): T[] => Object.keys(record) as T[];

/// In the order the screens list them.
export const BANDS: Band[] = keys(BAND_LABEL);
export const STATES: InterviewState[] = keys(STATE_LABEL);
export const ROLES: Role[] = keys(ROLE_LABEL);
export const LANG_OPTIONS: Lang[] = keys(LANG_NAME);
export const MODELS_OPTIONS: RecognitionModels[] = keys(MODELS_LABEL);
export const CRITERIA: Criterion[] = keys(CRITERION_LABEL);
export const SCALES: RatingScale[] = keys(SCALE_LABEL);
export const EDUCATIONS: Education[] = keys(EDUCATION_LABEL);

/// The label of a candidate's state; `null` is a candidate not invited yet.
export function stateKey(state: InterviewState | null): Key {
  return state === null ? "state.none" : STATE_LABEL[state];
}

/// Reads a `<select>`'s value back into the union it was filled from (the options are the
/// union's members, so anything else is a programming error, reported as such).
export function member<T extends string>(all: readonly T[], value: string): T {
  const found = all.find((v) => v === value);
  if (found === undefined) throw new Error(`not one of ${all.join(", ")}: ${value}`);
  return found;
}
