// A personalised question's condition as the bank's editor shows it: four fields (years at
// least, education in, any phrase, role held), each empty or one test of the condition. The
// condition holds when every test does; no test at all makes the question a core question.
import type { Clause, Condition, Education } from "./bindings";

export type ConditionFields = {
  years: string;
  education: Education[];
  phrases: string;
  roles: string;
};

export const NO_CONDITION: ConditionFields = { years: "", education: [], phrases: "", roles: "" };

/// A list as typed: 、，,;； and new lines separate entries.
export function splitList(text: string): string[] {
  return text
    .split(/[、，,;；|\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function fieldsOf(condition: Condition | null): ConditionFields {
  const fields: ConditionFields = { ...NO_CONDITION, education: [] };
  for (const clause of condition?.all ?? []) {
    if ("years_at_least" in clause && clause.years_at_least !== undefined) fields.years = String(clause.years_at_least);
    else if ("education_in" in clause && clause.education_in !== undefined) fields.education = [...clause.education_in];
    else if ("any_phrase" in clause && clause.any_phrase !== undefined) fields.phrases = clause.any_phrase.join("、");
    else if ("role_held" in clause && clause.role_held !== undefined) fields.roles = clause.role_held.join("、");
  }
  return fields;
}

/// The condition the fields make, or null (a core question) when every field is empty.
export function conditionOf(fields: ConditionFields): Condition | null {
  const all: Clause[] = [];
  const years = fields.years.trim();
  if (years !== "") all.push({ years_at_least: Math.max(0, Math.min(60, Math.floor(Number(years)) || 0)) });
  if (fields.education.length > 0) all.push({ education_in: [...fields.education] });
  const phrases = splitList(fields.phrases);
  if (phrases.length > 0) all.push({ any_phrase: phrases });
  const roles = splitList(fields.roles);
  if (roles.length > 0) all.push({ role_held: roles });
  return all.length === 0 ? null : { all };
}
